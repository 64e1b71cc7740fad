-- The latest runs: articles loaded (new or changed), rejected and quarantined, and failures.
SELECT run_id, started_at, status, n_new + n_changed AS n_loaded, n_deleted, n_rejected, n_quarantined, n_unchanged
FROM runs
ORDER BY started_at DESC, run_id DESC
LIMIT $limit;
