// Links each concept to its nearest more general concept.
UNWIND $rows AS row
MATCH (child:Concept {concept_id: row.concept_id})
MATCH (parent:Concept {concept_id: row.parent_id})
MERGE (child)-[r:IS_A]->(parent)
SET r.last_build = $version
