// Upserts products; row.props holds all properties (product_id, title, description, catalog attributes) and
// replaces stale ones.
UNWIND $rows AS row
MERGE (p:Product {product_id: row.product_id})
SET p = row.props, p.last_build = $version
