// Removes a catalog node once its products and edges are gone (load/prune); its Build nodes stay, as history.
MATCH (k:Catalog {catalog_id: $catalog})
DETACH DELETE k
