// Links products to their concepts, one edge per row: found in a text field, or only in the product's image
// (field "image"); confidence is an image reading's, contradicts_text marks an image colour where the text names
// others. Rows are sorted by product, so each product is looked up once per batch. Not MERGE: it would lock every
// concept it links until commit, stalling the embeddings loaded beside it; the load is the graph's only writer and a
// (product, concept) pair is unique (pre_load.product_concepts), so creating the edge where none exists is
// equivalent.
UNWIND $rows AS row
WITH row.product_id AS product_id, collect(row) AS mentions
MATCH (p:Product {catalog: $catalog, product_id: product_id})
UNWIND mentions AS mention
MATCH (c:Concept {concept_id: mention.concept_id})
OPTIONAL MATCH (p)-[existing:MENTIONS]->(c)
FOREACH (_ IN CASE WHEN existing IS NULL THEN [1] END |
  CREATE (p)-[:MENTIONS {field: mention.field, primary: mention.primary, confidence: mention.confidence,
                         contradicts_text: mention.contradicts_text, last_build: $version}]->(c))
SET existing.field = mention.field, existing.primary = mention.primary, existing.confidence = mention.confidence,
    existing.contradicts_text = mention.contradicts_text, existing.last_build = $version
