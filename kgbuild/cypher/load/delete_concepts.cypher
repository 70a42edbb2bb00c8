// Incremental load: removes concepts the build no longer has, with their edges.
UNWIND $rows AS row
MATCH (c:Concept {concept_id: row.concept_id})
DETACH DELETE c
