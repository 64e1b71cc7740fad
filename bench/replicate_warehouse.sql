-- A k-times warehouse from a loaded one, the way bench/run.py's k-times corpus would load:
-- copy j of every article (j = 1 .. k-1) under the id 'copy_<j>/<article id>', with the same
-- mentions, quotes and topics; entities and topics are shared, their counts multiplied.
-- Run on a copy of the warehouse after `SET VARIABLE copies = k`.
CREATE TEMP TABLE copy_numbers AS SELECT range AS j FROM range(1, getvariable('copies'));
INSERT INTO articles
SELECT a.* REPLACE (printf('copy_%d/', c.j) || a.article_id AS article_id,
                    printf('copy_%d/', c.j) || a.source_path AS source_path)
FROM articles a, copy_numbers c;
INSERT INTO entity_mentions
SELECT m.* REPLACE (printf('copy_%d/', c.j) || m.article_id AS article_id)
FROM entity_mentions m, copy_numbers c;
INSERT INTO quotes
SELECT q.* REPLACE (printf('copy_%d/', c.j) || q.article_id AS article_id,
                    md5(printf('copy_%d/', c.j) || q.quote_id) AS quote_id)
FROM quotes q, copy_numbers c;
INSERT INTO article_topics
SELECT t.* REPLACE (printf('copy_%d/', c.j) || t.article_id AS article_id)
FROM article_topics t, copy_numbers c;
UPDATE entities SET n_mentions = n_mentions * getvariable('copies'), n_articles = n_articles * getvariable('copies');
UPDATE topics SET n_articles = n_articles * getvariable('copies');
