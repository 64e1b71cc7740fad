-- One topic's articles per period ($grain: 'day' or 'week').
SELECT CAST(date_trunc($grain, article_date) AS DATE) AS period, COUNT(DISTINCT article_id) AS n_articles,
       SUM(weight) AS weight
FROM topic_article_dates
WHERE topic_id = $topic_id AND article_date IS NOT NULL
GROUP BY ALL
ORDER BY period;
