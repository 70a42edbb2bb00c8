// Products for a concept path: products mentioning a concept or any concept below it (e.g. all kinds of dress),
// optionally narrowed to those also linked to a second concept such as a colour.
// Browser: :param name => 'dress'  :param also => 'red'  (also => null for no narrowing)
MATCH (root:Concept {name: $name})<-[:IS_A*0..]-(c:Concept)<-[:MENTIONS]-(p:Product)
WHERE $also IS NULL OR EXISTS { (p)-[:MENTIONS]->(:Concept {name: $also}) }
RETURN DISTINCT p.catalog AS catalog, p.product_id AS product_id, p.title AS title
ORDER BY catalog, product_id
LIMIT $limit;
