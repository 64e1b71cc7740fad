-- When an article happened: its published_at, else when the pipeline first loaded it.
CREATE OR REPLACE VIEW article_dates AS
SELECT a.article_id,
       COALESCE(a.published_at, r.started_at) AS article_ts,
       CAST(COALESCE(a.published_at, r.started_at) AS DATE) AS article_date,
       a.published_at IS NULL AS date_is_load_time
FROM articles a
LEFT JOIN runs r ON r.run_id = a.first_run_id;
