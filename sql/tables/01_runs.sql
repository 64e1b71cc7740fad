-- One row per pipeline run; written in the same transaction as the data it loaded.
CREATE TABLE IF NOT EXISTS runs (
    run_id        VARCHAR PRIMARY KEY,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    status        VARCHAR NOT NULL,          -- success | failed
    n_new         INTEGER NOT NULL DEFAULT 0,
    n_changed     INTEGER NOT NULL DEFAULT 0,
    n_deleted     INTEGER NOT NULL DEFAULT 0,
    n_rejected    INTEGER NOT NULL DEFAULT 0,
    n_unchanged   INTEGER NOT NULL DEFAULT 0,
    n_quarantined INTEGER NOT NULL DEFAULT 0,
    input_dir     VARCHAR,
    message       VARCHAR
);
