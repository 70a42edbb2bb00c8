// Every concept as the graph holds it, with its is-a parent, for a snapshot.
MATCH (c:Concept)
OPTIONAL MATCH (c)-[:IS_A]->(parent:Concept)
RETURN c.concept_id AS concept_id, c.name AS name, c.aliases AS aliases, c.kind AS kind, c.level AS level,
       parent.concept_id AS parent_id, c.product_count AS product_count, c.catalogs AS catalogs
ORDER BY concept_id
