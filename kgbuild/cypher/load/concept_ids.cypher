// Every concept in the graph: after a full load of a catalog, all are refreshed from every catalog's view.
MATCH (c:Concept)
RETURN c.concept_id AS concept_id
