// Removes concepts no catalog has any more, with their edges.
UNWIND $rows AS row
MATCH (c:Concept {concept_id: row.concept_id})
WHERE NOT (c)-[:IN_CATALOG]->()
DETACH DELETE c
