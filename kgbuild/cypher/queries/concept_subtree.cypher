// A concept's subtree: the concept and every more specific concept below it, each with its level and images.
// Browser: :param name => 't-shirt'
MATCH (root:Concept {name: $name})
MATCH path = (c:Concept)-[:IS_A*0..]->(root)
OPTIONAL MATCH (c)-[d:DEPICTED_BY]->(i:Image)
WITH c, length(path) AS depth, i, d ORDER BY d.rank
RETURN c.name AS concept, c.kind AS kind, depth, c.product_count AS products, collect(i.uri)[..3] AS images
ORDER BY depth, products DESC, concept;
