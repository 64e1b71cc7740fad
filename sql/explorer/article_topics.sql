-- An article's topics.
SELECT atp.topic_id, t.label, atp.weight
FROM article_topics atp
JOIN topics t USING (topic_id)
WHERE atp.article_id = $article_id
ORDER BY atp.weight DESC;
