// Incremental load: removes images no product shows any more, with their edges.
UNWIND $rows AS row
MATCH (i:Image {image_id: row.image_id})
DETACH DELETE i
