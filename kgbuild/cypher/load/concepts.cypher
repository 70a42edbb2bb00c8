// Upserts concepts (ids derive from canonical names, so they are stable across builds). Embeddings follow in
// load/concept_embeddings.
UNWIND $rows AS row
MERGE (c:Concept {concept_id: row.concept_id})
SET c.name = row.name, c.aliases = row.aliases, c.kind = row.kind, c.level = row.level,
    c.product_count = row.product_count, c.last_build = $version
