// Links products to the concepts mined from their text. Rows are grouped per product first, so each product is
// looked up once per batch rather than once per mention.
UNWIND $rows AS row
WITH row.product_id AS product_id, collect(row) AS mentions
MATCH (p:Product {product_id: product_id})
UNWIND mentions AS mention
MATCH (c:Concept {concept_id: mention.concept_id})
MERGE (p)-[r:MENTIONS]->(c)
SET r.field = mention.field, r.last_build = $version
