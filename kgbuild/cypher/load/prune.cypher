// After a load: removes what this build no longer contains (edges first, then nodes), so the graph equals the build.
MATCH (:Product|Concept)-[r:HAS_IMAGE|MENTIONS|IS_A|DEPICTED_BY]->()
WHERE r.last_build <> $version
DELETE r;
MATCH (n:Product|Image|Concept)
WHERE n.last_build <> $version
DETACH DELETE n;
