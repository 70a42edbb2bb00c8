// Similar concepts by meaning: nearest neighbours of a concept in the vector index of concept-name embeddings.
// Browser: :param name => 'sneakers'  :param limit => 10
MATCH (c:Concept {name: $name})
CALL db.index.vector.queryNodes('concept_embeddings', $limit + 1, c.embedding) YIELD node, score
WHERE node <> c
RETURN node.name AS concept, node.kind AS kind, round(score, 3) AS score
ORDER BY score DESC;
