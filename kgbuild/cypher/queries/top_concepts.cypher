// Top concepts: the category concepts with the most products, with their parent and number of images.
// Browser: :param limit => 25
MATCH (c:Concept {kind: 'category'})
OPTIONAL MATCH (c)-[:IS_A]->(parent:Concept)
RETURN c.name AS concept, c.product_count AS products, parent.name AS parent,
       COUNT { (c)-[:DEPICTED_BY]->() } AS images
ORDER BY products DESC, concept
LIMIT $limit;
