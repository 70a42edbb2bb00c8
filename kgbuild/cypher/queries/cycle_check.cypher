// Cycle and parent check for the is-a hierarchy (expected: no rows): concepts on an IS_A cycle, concepts with
// more than one parent, and parents of another kind.
MATCH (c:Concept) WHERE EXISTS { (c)-[:IS_A*1..]->(c) } RETURN 'on a cycle' AS problem, c.name AS concept
UNION ALL
MATCH (c:Concept) WHERE COUNT { (c)-[:IS_A]->() } > 1 RETURN 'several parents' AS problem, c.name AS concept
UNION ALL
MATCH (c:Concept)-[:IS_A]->(p:Concept) WHERE c.kind <> p.kind RETURN 'parent of another kind' AS problem, c.name AS concept;
