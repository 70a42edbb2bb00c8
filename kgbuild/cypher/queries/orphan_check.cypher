// Orphan check: nodes that should not exist after a load (expected: no rows): concepts without products,
// images without products, products without any concept.
MATCH (c:Concept) WHERE NOT (c)<-[:MENTIONS]-() RETURN 'Concept without products' AS problem, c.name AS item
UNION ALL
MATCH (i:Image) WHERE NOT (i)<-[:HAS_IMAGE]-() RETURN 'Image without products' AS problem, i.uri AS item
UNION ALL
MATCH (p:Product) WHERE NOT (p)-[:MENTIONS]->() RETURN 'Product without concepts' AS problem, p.product_id AS item;
