-- Entities whose name or any alias contains $q (case-insensitive; $q is matched literally).
WITH hits AS (
    SELECT entity_id, alias AS matched FROM entity_aliases
    WHERE contains(lower(alias), lower($q))
    UNION
    SELECT entity_id, name AS matched FROM entities
    WHERE contains(lower(name), lower($q))
)
SELECT e.entity_id, e.name, e.label, e.n_mentions, e.n_articles,
       list(DISTINCT h.matched ORDER BY h.matched) AS matched,
       MAX(CASE WHEN lower(h.matched) = lower($q) THEN 2
                WHEN starts_with(lower(h.matched), lower($q)) THEN 1 ELSE 0 END) AS closeness
FROM hits h
JOIN entities e USING (entity_id)
GROUP BY ALL
ORDER BY closeness DESC, e.n_mentions DESC, e.name
LIMIT $limit;
