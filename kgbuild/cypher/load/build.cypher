// Records the build's provenance and counts, and that its catalog now holds this build.
MERGE (k:Catalog {catalog_id: $catalog})
SET k.location = $location, k.workdir = $workdir, k.last_build = $version
MERGE (b:Build {version: $version})
SET b += $props
MERGE (b)-[:OF_CATALOG]->(k)
