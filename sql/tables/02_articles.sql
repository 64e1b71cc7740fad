-- Cleaned articles; every offset in the warehouse indexes articles.text.
CREATE TABLE IF NOT EXISTS articles (
    article_id     VARCHAR PRIMARY KEY,      -- relative path in the drop folder (+ '#id' for .jsonl lines)
    source_path    VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL,         -- of the cleaned text (with title): what "changed" means
    title          VARCHAR,
    published_at   TIMESTAMP,
    url            VARCHAR,
    text           VARCHAR NOT NULL,
    n_words        INTEGER NOT NULL,
    language       VARCHAR,                  -- ISO 639-1; only 'en' goes through the English NLP
    encoding       VARCHAR,
    first_run_id   VARCHAR NOT NULL,
    last_run_id    VARCHAR NOT NULL
);
