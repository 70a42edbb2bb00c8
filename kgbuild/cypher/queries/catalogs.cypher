// The catalogs the graph holds: each one's products, the concepts it has, and the build it was last loaded from.
MATCH (k:Catalog)
RETURN k.catalog_id AS catalog, k.location AS location, k.workdir AS workdir, k.last_build AS last_build,
       COUNT { (:Product {catalog: k.catalog_id}) } AS products,
       COUNT { (:Concept)-[:IN_CATALOG]->(k) } AS concepts
ORDER BY catalog;
