// kgbuild graph schema, applied before every load (idempotent).
// (:Product {product_id, title, description?, last_build, ...catalog attributes})
// (:Image {image_id, uri, sha256, last_build})            image_id derives from the image bytes' sha256
// (:Concept {concept_id, name, aliases, kind, level, product_count, embedding, last_build})   kind: category, detail, colour, material, pattern, style, audience, brand, line
// (:Build {version, catalog, catalog_sha256, grounding, clip_model, clip_weights_sha256, spacy_model, started_at,
//          loaded_at, count_<Label or TYPE>, <stage>_input_rows, <stage>_accepted, <stage>_quarantined})
// (:Product)-[:HAS_IMAGE]->(:Image)
// (:Product)-[:MENTIONS {field, primary}]->(:Concept)   primary: the product's one primary category
// (:Concept)-[:IS_A]->(:Concept)                           one parent per concept, acyclic
// (:Concept)-[:DEPICTED_BY {score, rank, model}]->(:Image)
CREATE CONSTRAINT product_id IF NOT EXISTS FOR (p:Product) REQUIRE p.product_id IS UNIQUE;
CREATE CONSTRAINT image_id IF NOT EXISTS FOR (i:Image) REQUIRE i.image_id IS UNIQUE;
CREATE CONSTRAINT concept_id IF NOT EXISTS FOR (c:Concept) REQUIRE c.concept_id IS UNIQUE;
CREATE CONSTRAINT build_version IF NOT EXISTS FOR (b:Build) REQUIRE b.version IS UNIQUE;
CREATE FULLTEXT INDEX concept_names IF NOT EXISTS FOR (c:Concept) ON EACH [c.name, c.aliases];
// Nearest concepts by meaning; the dimension is the sentence-embedding model's (384 for all-MiniLM-L6-v2).
CREATE VECTOR INDEX concept_embeddings IF NOT EXISTS FOR (c:Concept) ON c.embedding
OPTIONS {indexConfig: {`vector.dimensions`: $embedding_dimensions, `vector.similarity_function`: 'cosine'}};
