// The build this graph was last loaded from (null when none): an incremental load starts from it.
OPTIONAL MATCH (b:Build)
RETURN b.version AS version
ORDER BY b.loaded_at DESC, b.version DESC
LIMIT 1
