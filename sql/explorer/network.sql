-- Who quotes whom among the top speakers: each one's strongest speaker -> named-entity edges.
WITH top AS (
    SELECT speaker_entity_id FROM quote_attributions
    WHERE speaker_entity_id IS NOT NULL
    GROUP BY speaker_entity_id
    ORDER BY COUNT(*) DESC, speaker_entity_id
    LIMIT $speakers
)
SELECT w.speaker_entity_id, w.speaker, w.mentioned_entity_id, w.mentioned, w.mentioned_label, w.n_quotes
FROM who_quotes_whom w
JOIN top USING (speaker_entity_id)
QUALIFY row_number() OVER (PARTITION BY w.speaker_entity_id
                           ORDER BY w.n_quotes DESC, w.mentioned_entity_id) <= $per_speaker
ORDER BY w.n_quotes DESC, w.speaker_entity_id, w.mentioned_entity_id;
