// After a full load: removes what this build no longer contains (edges first, then nodes), so the graph equals the
// build. Each statement deletes in transactions of 10,000 rows (run outside a managed transaction), so no single
// transaction grows with what disappeared.
MATCH (:Product|Concept)-[r:HAS_IMAGE|MENTIONS|IS_A|DEPICTED_BY]->()
WHERE r.last_build <> $version
CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS;
MATCH (n:Product|Image|Concept)
WHERE n.last_build <> $version
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS;
