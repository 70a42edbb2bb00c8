// Concepts of a product: every concept a product is linked to, by kind, with the text field it was found in;
// its primary category (what the product is) first.
// Browser: :param product_id => 'P00001'
MATCH (p:Product {product_id: $product_id})-[m:MENTIONS]->(c:Concept)
RETURN c.kind AS kind, c.name AS concept, m.field AS field, m.primary AS primary, c.level AS level
ORDER BY primary DESC, kind, level, concept;
