// Incremental load: unlinks a product from an image it no longer shows.
UNWIND $rows AS row
MATCH (:Product {catalog: $catalog, product_id: row.product_id})-[r:HAS_IMAGE]->(:Image {image_id: row.image_id})
DELETE r
