-- An entity's mentions and quotes per day.
SELECT day, n_mentions, n_articles, n_quotes
FROM entity_timeline
WHERE entity_id = $entity_id
ORDER BY day;
