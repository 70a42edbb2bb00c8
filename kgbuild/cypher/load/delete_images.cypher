// Incremental load: removes images no product of any catalog shows any more, with their edges.
UNWIND $rows AS row
MATCH (i:Image {image_id: row.image_id})
WHERE NOT (i)<-[:HAS_IMAGE]-()
DETACH DELETE i
