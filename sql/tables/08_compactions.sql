-- The DuckDB file's size right after it was last compacted (one row): a load that finds the file
-- using COMPACT_GROWTH times as many blocks copies it to a new, compact file (etl.load.compact).
CREATE TABLE IF NOT EXISTS compactions (
    compacted_at TIMESTAMP NOT NULL,
    used_blocks  BIGINT NOT NULL,
    bytes        BIGINT NOT NULL
);
