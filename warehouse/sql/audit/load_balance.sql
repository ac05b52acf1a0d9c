-- Load-balance audit for one logical date: one row per table whose counts do
-- not balance (rows_read <> rows_loaded + rows_rejected); no rows is healthy.
SELECT table_name, rows_read, rows_loaded, rows_rejected
FROM audit.load_audit
WHERE logical_date = CAST(:logical_date AS DATE)
  AND rows_read <> rows_loaded + rows_rejected;
