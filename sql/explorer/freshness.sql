-- What the pages show: the latest successful load and the warehouse's size.
SELECT r.run_id, r.finished_at,
       (SELECT COUNT(*) FROM articles) AS n_articles,
       (SELECT COUNT(*) FROM quotes) AS n_quotes,
       (SELECT COUNT(*) FROM entities) AS n_entities,
       (SELECT COUNT(*) FROM topics WHERE active) AS n_topics
FROM (SELECT 1) AS one
LEFT JOIN (SELECT run_id, finished_at FROM runs WHERE status = 'success'
           ORDER BY finished_at DESC, run_id DESC LIMIT 1) r ON true;
