// Full-text concept search over names and aliases (Lucene syntax: 'sun*', 'tshirt~').
// Browser: :param query => 'sunglas*'  :param limit => 10
CALL db.index.fulltext.queryNodes('concept_names', $query) YIELD node, score
RETURN node.name AS concept, node.kind AS kind, node.aliases AS aliases, node.product_count AS products, score
ORDER BY score DESC, products DESC
LIMIT $limit;
