// Concepts of a product: every concept a product is linked to, by kind, with the text field it was found in;
// its primary category (what the product is) first. $catalog: the product's catalog (null: any catalog).
// Browser: :param product_id => 'P00001'  :param catalog => null
MATCH (p:Product {product_id: $product_id})-[m:MENTIONS]->(c:Concept)
WHERE $catalog IS NULL OR p.catalog = $catalog
RETURN p.catalog AS catalog, c.kind AS kind, c.name AS concept, m.field AS field, m.primary AS primary,
       c.level AS level
ORDER BY catalog, primary DESC, kind, level, concept;
