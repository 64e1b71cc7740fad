-- An article's quotes with their speakers, in text order.
SELECT quote_id, kind, cue, speaker_text, speaker_entity_id, speaker, quote, start_char, end_char
FROM quote_attributions
WHERE article_id = $article_id
ORDER BY start_char, end_char DESC;
