"""The Redshift warehouse: star-schema DDL, COPY batch loads and audits, run on Redshift or a PostgreSQL stand-in."""
