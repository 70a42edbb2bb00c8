// Incremental load: the catalog no longer has these concepts (load/refresh_concepts removes those no catalog has).
UNWIND $rows AS row
MATCH (:Concept {concept_id: row.concept_id})-[r:IN_CATALOG]->(:Catalog {catalog_id: $catalog})
DELETE r
