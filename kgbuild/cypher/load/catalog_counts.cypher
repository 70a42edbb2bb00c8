// What the graph holds of one catalog: its products, their images and links, the concepts it has (with its is-a
// links) and the images its grounding chose; load compares these with the build's tables.
RETURN COUNT { (:Product {catalog: $catalog}) } AS Product,
       COUNT { MATCH (:Product {catalog: $catalog})-[:HAS_IMAGE]->(i:Image) RETURN DISTINCT i } AS Image,
       COUNT { (:Product {catalog: $catalog})-[:HAS_IMAGE]->() } AS HAS_IMAGE,
       COUNT { (:Product {catalog: $catalog})-[:MENTIONS]->() } AS MENTIONS,
       COUNT { (:Concept)-[:IN_CATALOG]->(:Catalog {catalog_id: $catalog}) } AS Concept,
       COUNT { (:Concept)-[seen:IN_CATALOG]->(:Catalog {catalog_id: $catalog}) WHERE seen.parent_id IS NOT NULL } AS IS_A,
       COUNT { ()-[:DEPICTED_BY {catalog: $catalog}]->() } AS DEPICTED_BY
