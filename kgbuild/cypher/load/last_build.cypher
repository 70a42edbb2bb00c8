// The build the catalog was last loaded from (null when none): an incremental load starts from it.
OPTIONAL MATCH (k:Catalog {catalog_id: $catalog})
RETURN k.last_build AS version
