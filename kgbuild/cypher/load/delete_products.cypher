// Incremental load: removes products the catalog no longer has, with their edges.
UNWIND $rows AS row
MATCH (p:Product {catalog: $catalog, product_id: row.product_id})
DETACH DELETE p
