// Images for a concept: its representative images in rank order, with score, grounding model and product.
// Browser: :param name => 'sneakers'
MATCH (c:Concept {name: $name})-[d:DEPICTED_BY]->(i:Image)
OPTIONAL MATCH (p:Product)-[:HAS_IMAGE]->(i)
RETURN d.rank AS rank, d.score AS score, d.model AS model, i.uri AS uri, collect(p.product_id)[0] AS product_id
ORDER BY rank;
