-- Topics ranked by their rise (last 7 days against the 28 before them; see sql/views/06_topic_trends.sql).
SELECT r.topic_id, r.label, r.recent_articles, r.baseline_articles, r.lift, r.is_rising, tp.n_articles
FROM rising_topics r
JOIN topics tp ON tp.topic_id = r.topic_id AND tp.active
ORDER BY r.is_rising DESC, r.rising_score DESC, r.topic_id;
