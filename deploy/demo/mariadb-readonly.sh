# Sourced once by the mariadb image when its volume is first initialised
# (docker-entrypoint-initdb.d; not executable, so docker_process_sql is at hand): a read-only
# account for DataChat, which refuses the seeding account (it may write).
docker_process_sql --database=mysql <<EOSQL
CREATE USER 'shop_ro'@'%' IDENTIFIED BY '${DEMO_RO_PASSWORD}';
GRANT SELECT, SHOW VIEW ON \`${MARIADB_DATABASE}\`.* TO 'shop_ro'@'%';
EOSQL
