-- Topics of the articles that mention an entity.
SELECT t.topic_id, t.label, COUNT(*) AS n_articles, SUM(atp.weight) AS weight
FROM (SELECT DISTINCT article_id FROM entity_mentions WHERE entity_id = $entity_id) m
JOIN article_topics atp USING (article_id)
JOIN topics t USING (topic_id)
GROUP BY ALL
ORDER BY n_articles DESC, weight DESC, t.topic_id
LIMIT $limit;
