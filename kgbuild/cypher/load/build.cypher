// Records the build's provenance and counts.
MERGE (b:Build {version: $version})
SET b += $props
