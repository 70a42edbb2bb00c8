// Links products to the concepts mined from their text.
UNWIND $rows AS row
MATCH (p:Product {product_id: row.product_id})
MATCH (c:Concept {concept_id: row.concept_id})
MERGE (p)-[r:MENTIONS]->(c)
SET r.field = row.field, r.last_build = $version
