-- Entities mentioned in the same articles as an entity.
SELECT entity_id, name, label, n_articles FROM (
    SELECT entity_b AS entity_id, name_b AS name, label_b AS label, n_articles
    FROM entity_cooccurrence WHERE entity_a = $entity_id
    UNION ALL
    SELECT entity_a, name_a, label_a, n_articles
    FROM entity_cooccurrence WHERE entity_b = $entity_id
)
ORDER BY n_articles DESC, name
LIMIT $limit;
