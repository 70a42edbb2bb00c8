"""The graph's content as comparable values: every Product/Concept/Image node and every edge between them."""

import numpy as np

VOLATILE = {"last_build", "embedding"}


def graph_state(graph):
    nodes = graph.driver.execute_query(
        "MATCH (n:Product|Concept|Image) RETURN labels(n)[0] AS label, properties(n) AS props"
    ).records
    edges = graph.driver.execute_query(
        "MATCH (a:Product|Concept)-[r]->(b:Concept|Image) "
        "RETURN coalesce(a.product_id, a.concept_id) AS a, type(r) AS type, properties(r) AS props, "
        "coalesce(b.concept_id, b.image_id) AS b"
    ).records
    strip = lambda props: tuple(sorted((k, str(v)) for k, v in props.items() if k not in VOLATILE))
    return (
        sorted((r["label"], strip(r["props"])) for r in nodes),
        sorted((r["a"], r["type"], strip(r["props"]), r["b"]) for r in edges),
    )


def concept_embeddings(graph):
    records = graph.driver.execute_query("MATCH (c:Concept) RETURN c.concept_id AS id, c.embedding AS embedding").records
    return {r["id"]: np.asarray(r["embedding"]) for r in records}


def same_embeddings(a, b):
    return a.keys() == b.keys() and all(np.allclose(a[k], b[k], atol=1e-4) for k in a)
