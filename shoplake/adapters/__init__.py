"""One adapter per capability that a local stand-in cannot run as AWS does.

Each adapter chooses, from the active settings, between the real AWS call
(`aws` profile) and shoplake's local engine; nothing else knows the profile:
`glue.run_job` (Glue job runs), `dms.run_task` (DMS replication), `redshift.run_sql_file`
(Redshift SQL).
"""
