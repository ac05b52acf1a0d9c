#!/bin/sh
# Runs once, on the first start of an empty data volume (the postgres image's
# /docker-entrypoint-initdb.d hook): the source database exists already
# (POSTGRES_DB); add the warehouse stand-in and Airflow's metadata database.
set -eu

for database in shop_warehouse airflow; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -c "CREATE DATABASE \"$database\" OWNER \"$POSTGRES_USER\""
done

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname shop_source -c "CREATE SCHEMA IF NOT EXISTS shop"
