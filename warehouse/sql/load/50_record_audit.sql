-- One audit row per table and logical date; run once per table inside the merge transaction.
INSERT INTO audit.load_audit (logical_date, table_name, source_uri, rows_read, rows_loaded, rows_rejected, loaded_at)
VALUES (CAST(:logical_date AS DATE), :table_name, :source_uri,
        CAST(:rows_read AS BIGINT), CAST(:rows_loaded AS BIGINT), CAST(:rows_rejected AS BIGINT), GETDATE());
