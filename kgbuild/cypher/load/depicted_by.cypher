// Links concepts to the images the catalog's grounding chose for them, with grounding score and rank.
UNWIND $rows AS row
MATCH (c:Concept {concept_id: row.concept_id})
MATCH (i:Image {image_id: row.image_id})
MERGE (c)-[r:DEPICTED_BY {catalog: $catalog}]->(i)
SET r.score = row.score, r.rank = row.rank, r.model = row.model, r.last_build = $version
