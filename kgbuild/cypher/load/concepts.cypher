// Upserts concepts (ids derive from kind and canonical name, so they are stable across builds and shared across
// catalogs) and what this catalog says of each: its aliases, product count and is-a parent. The concept's own
// aliases, count, parent and level gather every catalog's (load/refresh_*). Embeddings follow in
// load/concept_embeddings.
UNWIND $rows AS row
MERGE (k:Catalog {catalog_id: $catalog})
MERGE (c:Concept {concept_id: row.concept_id})
SET c.name = row.name, c.kind = row.kind
MERGE (c)-[r:IN_CATALOG]->(k)
SET r.aliases = row.aliases, r.product_count = row.product_count, r.parent_id = row.parent_id,
    r.last_build = $version
