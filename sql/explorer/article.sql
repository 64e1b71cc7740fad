-- One article with its date.
SELECT a.article_id, a.title, a.text, a.url, a.n_words, a.language, d.article_date, d.date_is_load_time
FROM articles a
LEFT JOIN article_dates d USING (article_id)
WHERE a.article_id = $article_id;
