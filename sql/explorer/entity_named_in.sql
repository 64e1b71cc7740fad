-- Quotes that name an entity (a mention of it inside the quoted words), by any speaker.
SELECT DISTINCT q.quote_id, q.article_id, q.title, q.article_date, q.kind, q.cue,
       q.speaker_entity_id, q.speaker, q.speaker_text, q.quote, q.start_char
FROM quote_attributions q
JOIN entity_mentions m
  ON m.article_id = q.article_id AND m.start_char >= q.start_char AND m.end_char <= q.end_char
WHERE m.entity_id = $entity_id AND q.speaker_entity_id IS DISTINCT FROM $entity_id
ORDER BY q.article_date DESC NULLS LAST, q.article_id, q.start_char
LIMIT $limit;
