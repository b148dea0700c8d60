#!/bin/sh
# Run once by the postgres image when its volume is first initialised (docker-entrypoint-initdb.d):
# a read-only role for DataChat. The seeding account (POSTGRES_USER) owns the tables, and
# DataChat refuses an account that can write; the default privileges make every table it
# creates later readable by shop_ro.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<EOSQL
CREATE ROLE shop_ro LOGIN PASSWORD '${DEMO_RO_PASSWORD}';
GRANT CONNECT ON DATABASE "${POSTGRES_DB}" TO shop_ro;
GRANT USAGE ON SCHEMA public TO shop_ro;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO shop_ro;
ALTER DEFAULT PRIVILEGES FOR ROLE "${POSTGRES_USER}" IN SCHEMA public GRANT SELECT ON TABLES TO shop_ro;
EOSQL
