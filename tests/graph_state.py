"""The graph's content as comparable values: every Product/Concept/Image node and every edge from a product or concept
(to a concept, an image, or the catalog that has the concept)."""

import numpy as np

VOLATILE = {"last_build", "embedding"}


def graph_state(graph):
    nodes = graph.driver.execute_query(
        "MATCH (n:Product|Concept|Image) RETURN labels(n)[0] AS label, properties(n) AS props"
    ).records
    edges = graph.driver.execute_query(
        "MATCH (a:Product|Concept)-[r]->(b:Concept|Image|Catalog) "
        "RETURN coalesce(a.catalog + '/' + a.product_id, a.concept_id) AS a, type(r) AS type, "
        "properties(r) AS props, coalesce(b.concept_id, b.image_id, b.catalog_id) AS b"
    ).records

    def strip(props):
        return tuple(sorted((k, str(v)) for k, v in props.items() if k not in VOLATILE))

    return (
        sorted((r["label"], strip(r["props"])) for r in nodes),
        sorted((r["a"], r["type"], strip(r["props"]), r["b"]) for r in edges),
    )


def concept_embeddings(graph):
    records = graph.driver.execute_query(
        "MATCH (c:Concept) RETURN c.concept_id AS id, c.embedding AS embedding"
    ).records
    return {r["id"]: np.asarray(r["embedding"]) for r in records}


def same_embeddings(a, b):
    return a.keys() == b.keys() and all(np.allclose(a[k], b[k], atol=1e-4) for k in a)


SNAPSHOT_VS_GRAPH = {
    "concepts": ("MATCH (c:Concept) RETURN c.concept_id AS k", ["concept_id"]),
    "hierarchy": (
        "MATCH (c:Concept)-[:IS_A]->(p:Concept) RETURN [c.concept_id, p.concept_id] AS k",
        ["child_id", "parent_id"],
    ),
    "products": ("MATCH (p:Product) RETURN [p.catalog, p.product_id] AS k", ["catalog", "product_id"]),
    "product_concepts": (
        "MATCH (p:Product)-[:MENTIONS]->(c:Concept) RETURN [p.catalog, p.product_id, c.concept_id] AS k",
        ["catalog", "product_id", "concept_id"],
    ),
    "images": ("MATCH (i:Image) RETURN i.image_id AS k", ["image_id"]),
    "concept_images": (
        "MATCH (c:Concept)-[d:DEPICTED_BY]->(i:Image) RETURN [d.catalog, c.concept_id, i.image_id] AS k",
        ["catalog", "concept_id", "image_id"],
    ),
}


def assert_snapshot_equals_graph(snapshot, graph):
    """Every snapshot table's ids (or id pairs) equal what Cypher finds in Neo4j for the same build."""
    for table, (query, columns) in SNAPSHOT_VS_GRAPH.items():
        frame = snapshot.tables[table]
        in_snapshot = (
            set(frame[columns[0]]) if len(columns) == 1 else set(zip(*(frame[c] for c in columns), strict=True))
        )
        in_graph = {
            r["k"] if isinstance(r["k"], str) else tuple(r["k"]) for r in graph.driver.execute_query(query).records
        }
        assert len(frame) == len(in_snapshot) == len(in_graph), table
        assert in_snapshot == in_graph, table
    (build,) = graph.driver.execute_query(
        "MATCH (b:Build {version: $v}) RETURN b.version AS v", v=snapshot.manifest["version"]
    ).records
    assert build["v"] == snapshot.path.name
