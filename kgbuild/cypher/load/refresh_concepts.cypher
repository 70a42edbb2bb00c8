// A concept's aliases, product count and catalogs: gathered from what every catalog says of it.
UNWIND $rows AS row
MATCH (c:Concept {concept_id: row.concept_id})-[seen:IN_CATALOG]->(k:Catalog)
WITH c, seen, k
ORDER BY k.catalog_id
WITH c, collect(k.catalog_id) AS catalogs, sum(seen.product_count) AS product_count,
     reduce(all = [], s IN collect(seen) | all + s.aliases) AS aliases
CALL (aliases) {
  UNWIND aliases AS alias
  WITH DISTINCT alias
  ORDER BY alias
  RETURN collect(alias) AS distinct_aliases
}
SET c.catalogs = catalogs, c.product_count = product_count, c.aliases = distinct_aliases
