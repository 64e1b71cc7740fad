-- Input files (or .jsonl lines) that could not be used, with a one-line reason.
CREATE TABLE IF NOT EXISTS rejected_inputs (
    run_id         VARCHAR NOT NULL,
    source_path    VARCHAR NOT NULL,
    reason         VARCHAR NOT NULL,
    content_sha256 VARCHAR
);

-- Rows that failed a Great Expectations check, kept with the expectation that failed.
CREATE TABLE IF NOT EXISTS quarantine (
    run_id      VARCHAR NOT NULL,
    table_name  VARCHAR NOT NULL,
    article_id  VARCHAR,
    reason      VARCHAR NOT NULL,
    row_json    VARCHAR NOT NULL
);
