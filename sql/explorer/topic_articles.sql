-- The articles most about a topic.
SELECT atp.article_id, a.title, d.article_date, atp.weight
FROM article_topics atp
JOIN articles a USING (article_id)
LEFT JOIN article_dates d USING (article_id)
WHERE atp.topic_id = $topic_id
ORDER BY atp.weight DESC, atp.article_id
LIMIT $limit;
