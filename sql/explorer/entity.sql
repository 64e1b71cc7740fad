-- One entity with its aliases and how often it speaks.
SELECT e.entity_id, e.name, e.label, e.n_mentions, e.n_articles,
       (SELECT list(alias ORDER BY alias) FROM entity_aliases a WHERE a.entity_id = e.entity_id) AS aliases,
       (SELECT COUNT(*) FROM quotes q WHERE q.speaker_entity_id = e.entity_id) AS n_quotes
FROM entities e
WHERE e.entity_id = $entity_id;
