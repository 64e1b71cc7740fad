-- Who talks about whom: speaker entity -> entities mentioned inside their quotes.
CREATE OR REPLACE VIEW who_quotes_whom AS
SELECT sp.entity_id AS speaker_entity_id, sp.name AS speaker,
       me.entity_id AS mentioned_entity_id, me.name AS mentioned, me.label AS mentioned_label,
       COUNT(DISTINCT q.quote_id) AS n_quotes,
       COUNT(DISTINCT q.article_id) AS n_articles
FROM quotes q
JOIN entities sp ON sp.entity_id = q.speaker_entity_id
JOIN entity_mentions m
  ON m.article_id = q.article_id AND m.start_char >= q.start_char AND m.end_char <= q.end_char
JOIN entities me ON me.entity_id = m.entity_id
WHERE me.entity_id <> sp.entity_id
GROUP BY ALL;
