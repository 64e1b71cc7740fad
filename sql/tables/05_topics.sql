-- Topics keep their ids across nightly refits; vanished topics stay with active = false.
CREATE TABLE IF NOT EXISTS topics (
    topic_id       BIGINT PRIMARY KEY,
    label          VARCHAR NOT NULL,
    top_terms      VARCHAR[] NOT NULL,
    model_version  VARCHAR NOT NULL,
    match_score    DOUBLE,                   -- cosine to the previous fit's topic; NULL when new
    active         BOOLEAN NOT NULL,
    first_version  VARCHAR,
    ended_version  VARCHAR,
    n_articles     BIGINT
);

-- Term vectors of the last fit: what the next night's refit matches against.
CREATE TABLE IF NOT EXISTS topic_terms (
    topic_id  BIGINT NOT NULL,
    term      VARCHAR NOT NULL,
    weight    DOUBLE NOT NULL,
    PRIMARY KEY (topic_id, term)
);

CREATE TABLE IF NOT EXISTS article_topics (
    article_id VARCHAR NOT NULL,
    topic_id   BIGINT NOT NULL,
    weight     DOUBLE NOT NULL,
    PRIMARY KEY (article_id, topic_id)
);
