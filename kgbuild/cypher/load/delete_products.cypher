// Incremental load: removes products the catalog no longer has, with their edges.
UNWIND $rows AS row
MATCH (p:Product {product_id: row.product_id})
DETACH DELETE p
