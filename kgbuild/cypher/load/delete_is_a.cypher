// Incremental load: removes an is-a link the hierarchy no longer has.
UNWIND $rows AS row
MATCH (:Concept {concept_id: row.concept_id})-[r:IS_A]->(:Concept {concept_id: row.parent_id})
DELETE r
