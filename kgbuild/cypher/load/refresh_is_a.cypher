// A concept's is-a parent: the one most of its catalogs choose (the smallest id among equals), so the hierarchy
// keeps one parent per concept whatever the order catalogs were built in.
UNWIND $rows AS row
MATCH (c:Concept {concept_id: row.concept_id})
OPTIONAL MATCH (c)-[old:IS_A]->()
DELETE old
WITH DISTINCT c
MATCH (c)-[seen:IN_CATALOG]->()
WHERE seen.parent_id IS NOT NULL
WITH c, seen.parent_id AS parent_id, count(*) AS votes
ORDER BY votes DESC, parent_id
WITH c, collect(parent_id)[0] AS parent_id
MATCH (parent:Concept {concept_id: parent_id})
MERGE (c)-[:IS_A]->(parent)
