-- Mentions, articles and quotes per entity per day.
CREATE OR REPLACE VIEW entity_timeline AS
WITH mentions AS (
    SELECT m.entity_id, d.article_date, COUNT(*) AS n_mentions, COUNT(DISTINCT m.article_id) AS n_articles
    FROM entity_mentions m JOIN article_dates d USING (article_id)
    GROUP BY ALL
), said AS (
    SELECT q.speaker_entity_id AS entity_id, d.article_date, COUNT(*) AS n_quotes
    FROM quotes q JOIN article_dates d USING (article_id)
    WHERE q.speaker_entity_id IS NOT NULL
    GROUP BY ALL
)
SELECT e.entity_id, e.name, e.label, m.article_date AS day,
       m.n_mentions, m.n_articles, COALESCE(s.n_quotes, 0) AS n_quotes
FROM mentions m
JOIN entities e USING (entity_id)
LEFT JOIN said s ON s.entity_id = m.entity_id AND s.article_date = m.article_date;
