-- Entities whose name or any alias contains $q (case-insensitive; $q is matched literally), the most
-- mentioned first, an exact (x3) or prefix (x2) match counting for more mentions.
WITH hits AS (
    SELECT entity_id, alias AS matched FROM entity_aliases
    WHERE contains(lower(alias), lower($q))
    UNION
    SELECT entity_id, name AS matched FROM entities
    WHERE contains(lower(name), lower($q))
), ranked AS (
    SELECT entity_id, list(DISTINCT matched ORDER BY matched) AS matched,
           MAX(CASE WHEN lower(matched) = lower($q) THEN 2
                    WHEN starts_with(lower(matched), lower($q)) THEN 1 ELSE 0 END) AS closeness
    FROM hits
    GROUP BY entity_id
)
SELECT e.entity_id, e.name, e.label, e.n_mentions, e.n_articles, r.matched, r.closeness
FROM ranked r
JOIN entities e USING (entity_id)
ORDER BY e.n_mentions * (1 + r.closeness) DESC, r.closeness DESC, e.name
LIMIT $limit;
