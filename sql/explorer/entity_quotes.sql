-- What an entity said: its quotes, newest articles first.
SELECT quote_id, article_id, title, article_date, kind, cue, speaker_text, quote
FROM quote_attributions
WHERE speaker_entity_id = $entity_id
ORDER BY article_date DESC NULLS LAST, article_id, start_char
LIMIT $limit;
