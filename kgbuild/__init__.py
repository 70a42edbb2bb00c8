"""kgbuild: e-commerce catalogs → a multimodal concept knowledge graph in Neo4j, with versioned snapshots."""
