// Upserts the catalog's products; row.props holds all properties (product_id, title, description, phrases, catalog
// attributes) and replaces stale ones.
UNWIND $rows AS row
MERGE (p:Product {catalog: $catalog, product_id: row.product_id})
SET p = row.props, p.catalog = $catalog, p.last_build = $version
