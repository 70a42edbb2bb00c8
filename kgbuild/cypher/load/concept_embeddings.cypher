// Sets concept embeddings, each one an insert into the vector index. Loaded in small transactions beside the
// mentions: Neo4j applies index updates one commit at a time, and small ones let the mentions' commits through.
UNWIND $rows AS row
MATCH (c:Concept {concept_id: row.concept_id})
SET c.embedding = row.embedding
