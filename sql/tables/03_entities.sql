-- Canonical entities; ids are stable across runs (aliases keep pointing at them).
CREATE TABLE IF NOT EXISTS entities (
    entity_id   VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    label       VARCHAR NOT NULL,
    n_mentions  INTEGER NOT NULL DEFAULT 0,
    n_articles  INTEGER NOT NULL DEFAULT 0
);

-- Surface form -> entity: learnt from the text and from etl/nlp/aliases data; makes ids stable.
CREATE TABLE IF NOT EXISTS entity_aliases (
    alias      VARCHAR NOT NULL,
    label      VARCHAR NOT NULL,
    entity_id  VARCHAR NOT NULL,
    PRIMARY KEY (alias, label)
);

CREATE TABLE IF NOT EXISTS entity_mentions (
    article_id     VARCHAR NOT NULL,
    entity_id      VARCHAR NOT NULL,
    text           VARCHAR NOT NULL,         -- surface form, = articles.text[start_char:end_char]
    label          VARCHAR NOT NULL,
    start_char     INTEGER NOT NULL,
    end_char       INTEGER NOT NULL,
    sentence_index INTEGER NOT NULL,
    PRIMARY KEY (article_id, start_char, end_char)
);
