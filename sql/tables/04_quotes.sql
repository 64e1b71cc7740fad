CREATE TABLE IF NOT EXISTS quotes (
    quote_id          VARCHAR PRIMARY KEY,   -- hash of (article_id, start_char, end_char)
    article_id        VARCHAR NOT NULL,
    text              VARCHAR NOT NULL,      -- = articles.text[start_char:end_char]
    kind              VARCHAR NOT NULL,      -- direct | indirect | mixed
    speaker_text      VARCHAR,
    speaker_entity_id VARCHAR,
    cue               VARCHAR,
    start_char        INTEGER NOT NULL,
    end_char          INTEGER NOT NULL
);
