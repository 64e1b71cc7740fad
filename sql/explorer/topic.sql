-- One topic.
SELECT topic_id, label, top_terms, model_version, active, n_articles
FROM topics
WHERE topic_id = $topic_id;
