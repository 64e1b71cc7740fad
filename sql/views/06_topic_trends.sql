-- Topic trends: topic volume per day and per week, and rising topics.
--
-- An article's date is its published_at, else the start time of the run that first loaded it
-- (articles.first_run_id -> runs.started_at).  Volumes count articles (an article counts for
-- each topic it has in article_topics) and also sum the topic weights (shares in [0, 1], so
-- weight_sum is an "article equivalents" volume that does not double count).
-- Self-contained: needs only articles, runs, article_topics and topics(topic_id, label, top_terms).

CREATE OR REPLACE VIEW topic_article_dates AS
SELECT atp.article_id,
       atp.topic_id,
       atp.weight,
       COALESCE(a.published_at, r.started_at)                 AS article_ts,
       CAST(COALESCE(a.published_at, r.started_at) AS DATE)  AS article_date,
       a.published_at IS NULL                                 AS date_is_load_time
FROM article_topics atp
JOIN articles a ON a.article_id = atp.article_id
LEFT JOIN runs r ON r.run_id = a.first_run_id;

-- One row per (day, topic) with at least one article.
CREATE OR REPLACE VIEW topic_volume_daily AS
WITH d AS (
    SELECT article_date AS day, topic_id, article_id, weight
    FROM topic_article_dates
    WHERE article_date IS NOT NULL
), day_totals AS (
    SELECT day, COUNT(DISTINCT article_id) AS day_articles
    FROM d
    GROUP BY day
)
SELECT d.day,
       d.topic_id,
       t.label,
       COUNT(DISTINCT d.article_id)                   AS n_articles,
       SUM(d.weight)                                  AS weight_sum,
       SUM(d.weight) / ANY_VALUE(dt.day_articles)     AS share,        -- of that day's articles
       ANY_VALUE(dt.day_articles)                     AS day_articles
FROM d
JOIN day_totals dt ON dt.day = d.day
LEFT JOIN topics t ON t.topic_id = d.topic_id
GROUP BY d.day, d.topic_id, t.label;

-- One row per (ISO week starting Monday, topic), with the change from the previous week.
CREATE OR REPLACE VIEW topic_volume_weekly AS
WITH d AS (
    SELECT CAST(date_trunc('week', article_date) AS DATE) AS week, topic_id, article_id, weight
    FROM topic_article_dates
    WHERE article_date IS NOT NULL
), week_totals AS (
    SELECT week, COUNT(DISTINCT article_id) AS week_articles
    FROM d
    GROUP BY week
), w AS (
    SELECT d.week,
           d.topic_id,
           COUNT(DISTINCT d.article_id)                AS n_articles,
           SUM(d.weight)                               AS weight_sum,
           SUM(d.weight) / ANY_VALUE(wt.week_articles) AS share,
           ANY_VALUE(wt.week_articles)                 AS week_articles
    FROM d
    JOIN week_totals wt ON wt.week = d.week
    GROUP BY d.week, d.topic_id
)
SELECT w.week,
       w.topic_id,
       t.label,
       w.n_articles,
       w.weight_sum,
       w.share,
       w.week_articles,
       -- previous week's volume (0 when the topic had no article in the week just before)
       CASE WHEN LAG(w.week) OVER (PARTITION BY w.topic_id ORDER BY w.week) = w.week - 7
            THEN LAG(w.n_articles) OVER (PARTITION BY w.topic_id ORDER BY w.week) ELSE 0 END
                                                       AS prev_week_articles,
       CASE WHEN LAG(w.week) OVER (PARTITION BY w.topic_id ORDER BY w.week) = w.week - 7
            THEN LAG(w.share) OVER (PARTITION BY w.topic_id ORDER BY w.week) ELSE 0.0 END
                                                       AS prev_week_share
FROM w
LEFT JOIN topics t ON t.topic_id = w.topic_id;

-- Rising topics: the last 7 days against the 28 days before them, anchored on the latest
-- article date in the warehouse (not now(): results do not drift when no data arrives, and
-- historical corpora work).  Shares are Laplace-smoothed (+1 article per topic) so that a
-- topic with 2 articles out of nowhere does not outrank a real surge.  rising_score is the
-- log2 lift of the smoothed share; is_rising = at least 3 recent articles and lift >= 1.5.
CREATE OR REPLACE VIEW rising_topics AS
WITH anchor AS (
    SELECT MAX(article_date) AS last_day FROM topic_article_dates
), d AS (
    SELECT tad.topic_id, tad.article_id, tad.weight,
           CASE WHEN tad.article_date >  anchor.last_day - 7  THEN 'recent'
                WHEN tad.article_date >  anchor.last_day - 35 THEN 'baseline' END AS period
    FROM topic_article_dates tad, anchor
    WHERE tad.article_date IS NOT NULL
), totals AS (
    SELECT COUNT(DISTINCT article_id) FILTER (WHERE period = 'recent')   AS recent_total,
           COUNT(DISTINCT article_id) FILTER (WHERE period = 'baseline') AS baseline_total,
           COUNT(DISTINCT topic_id)                                      AS n_topics
    FROM d
    WHERE period IS NOT NULL
), per_topic AS (
    SELECT topic_id,
           COUNT(DISTINCT article_id) FILTER (WHERE period = 'recent')   AS recent_articles,
           COUNT(DISTINCT article_id) FILTER (WHERE period = 'baseline') AS baseline_articles,
           COALESCE(SUM(weight) FILTER (WHERE period = 'recent'), 0)     AS recent_weight,
           COALESCE(SUM(weight) FILTER (WHERE period = 'baseline'), 0)   AS baseline_weight
    FROM d
    WHERE period IS NOT NULL
    GROUP BY topic_id
), scored AS (
    SELECT p.*,
           tt.recent_total,
           tt.baseline_total,
           (p.recent_weight + 1.0) / (tt.recent_total + tt.n_topics)     AS recent_share,
           (p.baseline_weight + 1.0) / (tt.baseline_total + tt.n_topics) AS baseline_share
    FROM per_topic p, totals tt
)
SELECT s.topic_id,
       t.label,
       t.top_terms,
       (SELECT last_day FROM anchor) - 6                 AS recent_from,
       (SELECT last_day FROM anchor)                     AS recent_to,
       s.recent_articles,
       s.baseline_articles,
       s.recent_weight,
       s.baseline_weight,
       s.recent_share,
       s.baseline_share,
       s.recent_share / s.baseline_share                 AS lift,
       log2(s.recent_share / s.baseline_share)           AS rising_score,
       s.recent_articles >= 3 AND s.recent_share / s.baseline_share >= 1.5 AS is_rising
FROM scored s
LEFT JOIN topics t ON t.topic_id = s.topic_id
ORDER BY rising_score DESC, s.topic_id;
