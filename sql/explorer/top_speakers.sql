-- Most-quoted speakers (quotes attributed to a canonical entity).
SELECT speaker_entity_id AS entity_id, ANY_VALUE(speaker) AS name, ANY_VALUE(speaker_label) AS label,
       COUNT(*) AS n_quotes, COUNT(DISTINCT article_id) AS n_articles
FROM quote_attributions
WHERE speaker_entity_id IS NOT NULL
GROUP BY speaker_entity_id
ORDER BY n_quotes DESC, name
LIMIT $limit;
