// kgbuild graph schema, applied before every load (idempotent). Many catalogs share one graph: a catalog's build
// changes only its own products and their edges; concepts are shared, and live while any catalog has them.
// (:Catalog {catalog_id, location, workdir, last_build})
// (:Product {catalog, product_id, title, description?, phrases, last_build, ...catalog attributes})
//                                                          product_id is unique within its catalog
// (:Image {image_id, uri, sha256, last_build})            image_id derives from the image bytes' sha256
// (:Concept {concept_id, name, aliases, kind, level, product_count, catalogs, embedding})
//     kind: category, detail, colour, material, pattern, style, audience, brand, line; aliases, product_count and
//     catalogs gather every catalog's (IN_CATALOG); level is the depth below the root of its IS_A chain
// (:Build {version, catalog, catalog_id, catalog_sha256, grounding, clip_model, clip_weights_sha256, spacy_model,
//          started_at, loaded_at, count_<Label or TYPE>, <stage>_input_rows, <stage>_accepted, <stage>_quarantined})
// (:Build)-[:OF_CATALOG]->(:Catalog)
// (:Concept)-[:IN_CATALOG {aliases, product_count, parent_id, last_build}]->(:Catalog)   what one catalog says of it
// (:Product)-[:HAS_IMAGE]->(:Image)
// (:Product)-[:MENTIONS {field, primary, confidence, contradicts_text}]->(:Concept)
//                                                          primary: the product's one primary category
// (:Concept)-[:IS_A]->(:Concept)   one parent per concept: the one most of its catalogs choose, acyclic
// (:Concept)-[:DEPICTED_BY {catalog, score, rank, model}]->(:Image)   up to images_per_concept per catalog
DROP CONSTRAINT product_id IF EXISTS;
CREATE CONSTRAINT product_key IF NOT EXISTS FOR (p:Product) REQUIRE (p.catalog, p.product_id) IS UNIQUE;
CREATE INDEX product_catalog IF NOT EXISTS FOR (p:Product) ON (p.catalog);
CREATE CONSTRAINT catalog_id IF NOT EXISTS FOR (k:Catalog) REQUIRE k.catalog_id IS UNIQUE;
CREATE CONSTRAINT image_id IF NOT EXISTS FOR (i:Image) REQUIRE i.image_id IS UNIQUE;
CREATE CONSTRAINT concept_id IF NOT EXISTS FOR (c:Concept) REQUIRE c.concept_id IS UNIQUE;
CREATE CONSTRAINT build_version IF NOT EXISTS FOR (b:Build) REQUIRE b.version IS UNIQUE;
CREATE FULLTEXT INDEX concept_names IF NOT EXISTS FOR (c:Concept) ON EACH [c.name, c.aliases];
// Nearest concepts by meaning; the dimension is the sentence-embedding model's (384 for all-MiniLM-L6-v2).
CREATE VECTOR INDEX concept_embeddings IF NOT EXISTS FOR (c:Concept) ON c.embedding
OPTIONS {indexConfig: {`vector.dimensions`: $embedding_dimensions, `vector.similarity_function`: 'cosine'}};
