-- An article's entity mentions, in text order.
SELECT m.entity_id, e.name, m.label, m.start_char, m.end_char
FROM entity_mentions m
LEFT JOIN entities e USING (entity_id)
WHERE m.article_id = $article_id
ORDER BY m.start_char, m.end_char DESC;
