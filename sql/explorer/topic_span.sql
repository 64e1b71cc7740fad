-- First and last article day with a topic: decides day or week buckets for topic volume charts.
SELECT MIN(article_date) AS first_day, MAX(article_date) AS last_day FROM topic_article_dates;
