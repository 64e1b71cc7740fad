-- Pairs of entities mentioned in the same article (each unordered pair once).
CREATE OR REPLACE VIEW entity_cooccurrence AS
WITH per_article AS (
    SELECT DISTINCT article_id, entity_id FROM entity_mentions
)
SELECT a.entity_id AS entity_a, ea.name AS name_a, ea.label AS label_a,
       b.entity_id AS entity_b, eb.name AS name_b, eb.label AS label_b,
       COUNT(*) AS n_articles
FROM per_article a
JOIN per_article b ON a.article_id = b.article_id AND a.entity_id < b.entity_id
JOIN entities ea ON ea.entity_id = a.entity_id
JOIN entities eb ON eb.entity_id = b.entity_id
GROUP BY ALL;
