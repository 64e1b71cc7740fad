-- A topic's terms by weight.
SELECT term, weight FROM topic_terms
WHERE topic_id = $topic_id
ORDER BY weight DESC, term
LIMIT $limit;
