// Incremental load: removes a concept's image the catalog's grounding no longer chose.
UNWIND $rows AS row
MATCH (:Concept {concept_id: row.concept_id})-[r:DEPICTED_BY {catalog: $catalog}]->(:Image {image_id: row.image_id})
DELETE r
