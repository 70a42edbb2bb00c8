// Upserts images and links each product to its image.
UNWIND $rows AS row
MATCH (p:Product {catalog: $catalog, product_id: row.product_id})
MERGE (i:Image {image_id: row.image_id})
SET i.uri = row.uri, i.sha256 = row.sha256, i.last_build = $version
MERGE (p)-[r:HAS_IMAGE]->(i)
SET r.last_build = $version
