-- COPY one table's Parquet extract into its staging table. The runner builds
-- each statement from this template by replacing, in the parsed statement, the
-- table (validated and quoted), the S3 prefix and the IAM role (from settings).
-- COPY of Parquet matches columns by position and supports no MAXERROR, so the
-- loader rejects rows that COPY would fail on before this statement runs.
COPY stg.extract_table
FROM 's3://bucket/extracts/table/dt=YYYY-MM-DD/'
IAM_ROLE 'arn:aws:iam::000000000000:role/copy-role'
FORMAT AS PARQUET;
