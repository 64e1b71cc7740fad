-- Articles and quotes per day (an article's date: published_at, else the run that first loaded it).
WITH a AS (
    SELECT article_date AS day, COUNT(*) AS n FROM article_dates GROUP BY ALL
), q AS (
    SELECT d.article_date AS day, COUNT(*) AS n
    FROM quotes JOIN article_dates d USING (article_id) GROUP BY ALL
)
SELECT day, 'articles' AS series, n FROM a
UNION ALL
SELECT day, 'quotes' AS series, n FROM q
ORDER BY day, series;
