-- Input files read in full without a rejection, with the stat that lets the next run skip them
-- unread when they have not changed (size and mtime equal, same extractor code).
CREATE TABLE IF NOT EXISTS source_files (
    source_path       VARCHAR PRIMARY KEY,   -- relative to the drop folder
    size              BIGINT NOT NULL,
    mtime_ns          BIGINT NOT NULL,
    raw_sha256        VARCHAR NOT NULL,      -- of the file's bytes: duplicate detection without reading
    extractor_version VARCHAR NOT NULL       -- hash of the extract/clean code: a change re-reads everything
);
