// The depth below the root of each given concept and of every concept beneath it.
UNWIND $rows AS row
MATCH (:Concept {concept_id: row.concept_id})<-[:IS_A*0..]-(c:Concept)
WITH DISTINCT c
MATCH path = (c)-[:IS_A*0..]->(root:Concept)
WHERE NOT (root)-[:IS_A]->()
SET c.level = length(path)
