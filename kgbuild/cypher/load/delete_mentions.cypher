// Incremental load: unlinks a product from a concept its text no longer names.
UNWIND $rows AS row
MATCH (:Product {catalog: $catalog, product_id: row.product_id})-[r:MENTIONS]->(:Concept {concept_id: row.concept_id})
DELETE r
