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

-- One row per refit: between refits, new and edited articles are assigned to the active topics
-- with these IDF values (etl.topics.assign_topics), so a nightly edit never refits the warehouse.
CREATE TABLE IF NOT EXISTS topic_models (
    model_version VARCHAR PRIMARY KEY,
    run_id        VARCHAR NOT NULL,          -- the run that fitted it
    n_articles    INTEGER NOT NULL,          -- articles it was fitted on
    n_topics      INTEGER NOT NULL,          -- active topics
    terms         VARCHAR[] NOT NULL,        -- the active topics' stored terms ...
    idf           DOUBLE[] NOT NULL          -- ... and their IDF in the fit
);
