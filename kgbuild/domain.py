"""kgbuild's domain constants in one place: the concept kinds and the schemas of the Parquet tables the stages write
(in the work directory) and a snapshot holds."""

from __future__ import annotations

import pyarrow as pa

# Concept kinds. A concept's id derives from its kind and name (:func:`kgbuild.concepts.concept_id`).
CATEGORY = "category"  # a product type phrase ("short sleeve t-shirt"); a product has at most one primary one
DETAIL = "detail"  # another noun phrase of a description ("ribbed cuffs")
COLOUR = "colour"
PATTERN = "pattern"
MATERIAL = "material"
STYLE = "style"
BRAND = "brand"
LINE = "line"  # a style name learned from the catalog's titles
AUDIENCE = "audience"  # who a product is for ("men", "women", "kids", ...)
KINDS = (CATEGORY, DETAIL, COLOUR, PATTERN, MATERIAL, STYLE, BRAND, LINE, AUDIENCE)
"""Every concept kind, in the order the build report lists them."""
VISUAL_KINDS = (CATEGORY, COLOUR, PATTERN, MATERIAL, STYLE)
"""The kinds that get images by default (``grounded_kinds``): brands, style names and audiences are not visual."""

# Work-directory tables, by the stage that writes them.
PRODUCT_SCHEMA = pa.schema(  # ingest: products.parquet
    [
        ("product_id", pa.string()),
        ("title", pa.string()),
        ("description", pa.string()),
        ("image_uri", pa.string()),
        ("attributes", pa.string()),  # JSON object of every other non-empty catalog column
        ("source_row", pa.int64()),
    ]
)
QUARANTINE_SCHEMA = pa.schema(  # every stage: rows it rejected, each with the reason
    [
        ("source_row", pa.int64()),
        ("product_id", pa.string()),
        ("stage", pa.string()),
        ("field", pa.string()),
        ("reason", pa.string()),
        ("raw", pa.string()),
    ]
)
CONCEPT_SCHEMA = pa.schema(  # concepts: the mined concepts
    [
        ("concept_id", pa.string()),
        ("name", pa.string()),
        ("kind", pa.string()),
        ("aliases", pa.list_(pa.string())),
        ("product_count", pa.int64()),
        ("embedding", pa.list_(pa.float32())),  # sentence embedding of the name, for Neo4j's vector index
    ]
)
MINED_LINK_SCHEMA = pa.schema(  # concepts: product → concept links found in the text
    [("product_id", pa.string()), ("concept_id", pa.string()), ("field", pa.string()), ("primary", pa.bool_())]
)
PRODUCT_CONCEPT_SCHEMA = MINED_LINK_SCHEMA.append(  # images: every link, with the colours read from images
    pa.field("confidence", pa.float64())  # an image reading's confidence; null: the image did not show it
).append(pa.field("contradicts_text", pa.bool_()))  # an image colour where the text names only others
IMAGE_FIELD = "image"
"""The ``field`` of a link that only a product's image shows (a colour no text of the product names)."""
# concepts: every category phrase mined from a product before merging and thresholds (FashionKLIP's "phrases").
PRODUCT_PHRASE_SCHEMA = pa.schema([("product_id", pa.string()), ("phrase", pa.string())])
HIERARCHY_SCHEMA = CONCEPT_SCHEMA.append(pa.field("parent_id", pa.string())).append(pa.field("level", pa.int64()))
"""hierarchy: the concepts with their is-a parent and depth."""
IMAGE_SCHEMA = pa.schema(  # images: the catalog's readable images
    [("product_id", pa.string()), ("image_id", pa.string()), ("uri", pa.string()), ("sha256", pa.string())]
)
CONCEPT_IMAGE_SCHEMA = pa.schema(  # images: the images chosen for each concept
    [
        ("concept_id", pa.string()),
        ("image_id", pa.string()),
        ("product_id", pa.string()),
        ("image_uri", pa.string()),
        ("score", pa.float64()),
        ("rank", pa.int64()),
        ("model", pa.string()),
    ]
)

# Snapshot tables (snapshots/<version>/<name>.parquet).
SNAPSHOT_SCHEMA_VERSION = 5
"""Bumped whenever :data:`SNAPSHOT_SCHEMAS` changes; a snapshot's manifest records it."""
_TEXT = pa.string()
SNAPSHOT_SCHEMAS = {
    "concepts": pa.schema(
        [
            ("concept_id", _TEXT),
            ("name", _TEXT),
            ("aliases", pa.list_(_TEXT)),
            ("kind", _TEXT),
            ("level", pa.int64()),
            ("parent_id", _TEXT),
            ("product_count", pa.int64()),
            ("catalogs", pa.list_(_TEXT)),  # the catalogs that have the concept
        ]
    ),
    "hierarchy": pa.schema([("child_id", _TEXT), ("parent_id", _TEXT)]),
    "products": pa.schema(
        [("catalog", _TEXT), ("product_id", _TEXT), ("title", _TEXT), ("image_id", _TEXT), ("attributes", _TEXT)]
    ),
    "product_concepts": pa.schema(
        [
            ("catalog", _TEXT),
            ("product_id", _TEXT),
            ("concept_id", _TEXT),
            ("field", _TEXT),
            ("primary", pa.bool_()),
            ("confidence", pa.float64()),
            ("contradicts_text", pa.bool_()),
        ]
    ),
    "images": pa.schema([("image_id", _TEXT), ("item_id", pa.int64()), ("uri", _TEXT), ("sha256", _TEXT)]),
    "concept_images": pa.schema(
        [
            ("catalog", _TEXT),  # the catalog whose grounding chose the image, from its product's images
            ("concept_id", _TEXT),
            ("image_id", _TEXT),
            ("product_id", _TEXT),
            ("image_uri", _TEXT),
            ("score", pa.float64()),
            ("rank", pa.int64()),
        ]
    ),
}
"""The snapshot's Parquet tables, whatever their rows (an empty or all-null column keeps its type)."""
