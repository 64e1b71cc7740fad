-- Articles per topic per period ($grain: 'day' or 'week'), active topics, with their rising flag.
SELECT CAST(date_trunc($grain, t.article_date) AS DATE) AS period, t.topic_id, tp.label,
       COALESCE(r.is_rising, false) AS is_rising, COUNT(DISTINCT t.article_id) AS n_articles
FROM topic_article_dates t
JOIN topics tp ON tp.topic_id = t.topic_id AND tp.active
LEFT JOIN rising_topics r ON r.topic_id = t.topic_id
WHERE t.article_date IS NOT NULL
GROUP BY ALL
ORDER BY period, t.topic_id;
