-- Every quote with its speaker's canonical name and the article it appeared in.
CREATE OR REPLACE VIEW quote_attributions AS
SELECT q.quote_id, q.article_id, a.title, d.article_date, q.kind, q.cue,
       q.speaker_text, q.speaker_entity_id, e.name AS speaker, e.label AS speaker_label,
       q.text AS quote, q.start_char, q.end_char
FROM quotes q
JOIN articles a USING (article_id)
LEFT JOIN article_dates d USING (article_id)
LEFT JOIN entities e ON e.entity_id = q.speaker_entity_id;
