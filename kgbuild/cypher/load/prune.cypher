// After a full load of a catalog: removes what this build of it no longer contains (edges first, then nodes), so
// the catalog's part of the graph equals the build; other catalogs' products and edges are left alone (with the
// empty version, all of the catalog goes: kgbuild remove-catalog). Each
// statement deletes in transactions of 10,000 rows (run outside a managed transaction), so no single transaction
// grows with what disappeared. Concepts and images no catalog has any more go too, and products of no catalog (an
// older kgbuild's).
MATCH (:Product {catalog: $catalog})-[r:HAS_IMAGE|MENTIONS]->()
WHERE r.last_build <> $version
CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS;
MATCH (:Concept)-[r:DEPICTED_BY {catalog: $catalog}]->()
WHERE r.last_build <> $version
CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS;
MATCH (:Concept)-[r:IN_CATALOG]->(:Catalog {catalog_id: $catalog})
WHERE r.last_build <> $version
CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS;
MATCH (p:Product {catalog: $catalog})
WHERE p.last_build <> $version
CALL (p) { DETACH DELETE p } IN TRANSACTIONS OF 10000 ROWS;
MATCH (p:Product)
WHERE p.catalog IS NULL
CALL (p) { DETACH DELETE p } IN TRANSACTIONS OF 10000 ROWS;
MATCH (i:Image)
WHERE NOT (i)<-[:HAS_IMAGE]-()
CALL (i) { DETACH DELETE i } IN TRANSACTIONS OF 10000 ROWS;
MATCH (c:Concept)
WHERE NOT (c)-[:IN_CATALOG]->()
CALL (c) { DETACH DELETE c } IN TRANSACTIONS OF 10000 ROWS;
