#!/usr/bin/env bash
# Make sure the servers the test suite talks to are installed, running on loopback and hold the
# test accounts. Idempotent: servers that already answer are reused as they are (only accounts
# are (re)applied), missing ones are installed from Debian packages and started as daemons.
# There is no systemd on the machines this runs on (containers, CI), so servers are started
# directly, the way their Debian packages would.
#
#   PostgreSQL 127.0.0.1:5432  postgres (trust), datachat_pw / datachat-secret (scram-sha-256),
#                              datachat_ro (read-only: no attributes; tests grant it SELECT on
#                              the databases they make), database `datachat` (the CI system database)
#   MariaDB    127.0.0.1:3306  root (no password), datachat_test / datachat-secret,
#                              datachat_ro / datachat-secret (SELECT, SHOW VIEW on the tests'
#                              datachat_test_* and chinook_test_* databases only)
#   ClickHouse 127.0.0.1:9000 (native), :8123 (HTTP), config deploy/clickhouse/
#                              default (no password), datachat and ch_readonly / datachat-secret
#   Redis      127.0.0.1:6379
#
# Usage: scripts/ensure-test-services.sh   (as root, or a user with sudo)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_DIR=$(pwd)

# Installing packages, editing pg_hba.conf and starting daemons as their users all need root.
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        exec sudo --preserve-env=CI "$0" "$@"
    fi
    echo "ensure-test-services: run as root (or install sudo)" >&2
    exit 1
fi

SECRET=datachat-secret
PG_PORT=5432
MYSQL_PORT=3306
REDIS_PORT=6379
CH_TCP_PORT=9000
# ClickHouse runs from a copy of its config outside the checkout: CI clones the repo afresh and
# may delete it, while the server it started must keep working for later runs.
CH_DIR=${DATACHAT_CLICKHOUSE_DIR:-/var/lib/datachat-clickhouse}

log() { echo "ensure-test-services: $*"; }
die() {
    echo "ensure-test-services: ERROR: $*" >&2
    exit 1
}

# wait_for SECONDS DESCRIPTION COMMAND...: poll until COMMAND succeeds.
wait_for() {
    local seconds=$1 what=$2
    shift 2
    local i
    for ((i = 0; i < seconds * 2; i++)); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.5
    done
    die "$what did not come up within ${seconds}s"
}

# --- system packages ----------------------------------------------------------------------------
# Build deps for mysqlclient, the four servers and their clients, docker-compose (the tests
# validate docker-compose.yml with it; no engine needed) and chromium (browser tests).
"$REPO_DIR/scripts/apt-ensure.sh" \
    libmariadb-dev pkg-config build-essential \
    postgresql postgresql-client \
    mariadb-server mariadb-client \
    redis-server \
    clickhouse-server clickhouse-client \
    docker-compose chromium

# --- PostgreSQL ---------------------------------------------------------------------------------
pg_up() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }

pg_tcp_trust() {
    PGCONNECT_TIMEOUT=5 psql -w -X -Atq "postgresql://postgres@127.0.0.1:$PG_PORT/postgres" \
        -c 'SELECT 1' >/dev/null 2>&1
}

# Superuser psql: over TCP when trust is already in place (this may be a server we did not
# start), otherwise through the local socket as the postgres OS user (peer auth of a fresh
# Debian cluster).
pg_admin() {
    if pg_tcp_trust; then
        psql -w -X -v ON_ERROR_STOP=1 -Atq "postgresql://postgres@127.0.0.1:$PG_PORT/postgres" "$@"
    else
        (cd / && runuser -u postgres -- psql -X -v ON_ERROR_STOP=1 -Atq -p "$PG_PORT" "$@")
    fi
}

ensure_postgres() {
    if pg_up; then
        log "PostgreSQL already running on 127.0.0.1:$PG_PORT"
    else
        local version
        version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
        if [ -z "$version" ]; then
            version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
            log "creating PostgreSQL $version cluster main"
            pg_createcluster "$version" main --port "$PG_PORT"
        fi
        log "starting PostgreSQL $version/main"
        pg_ctlcluster --skip-systemctl-redirect "$version" main start
        wait_for 60 PostgreSQL pg_up
    fi

    # pg_hba.conf: our lines go first because the first matching line wins. datachat_pw must
    # really be checked (wrong-password tests), everything else from loopback is trusted, as
    # on the CI machine, so `postgres` needs no password.
    local hba block current
    hba=$(pg_admin -c 'SHOW hba_file')
    block=$(
        cat <<'EOF'
# BEGIN datachat test services (managed by scripts/ensure-test-services.sh; first match wins)
host    all    datachat_pw    127.0.0.1/32    scram-sha-256
host    all    datachat_pw    ::1/128         scram-sha-256
host    all    all            127.0.0.1/32    trust
host    all    all            ::1/128         trust
# END datachat test services
EOF
    )
    current=$(sed -n '/^# BEGIN datachat test services/,/^# END datachat test services/p' "$hba")
    if [ "$current" != "$block" ]; then
        log "writing test lines at the top of $hba"
        cp -p "$hba" "$hba.datachat.bak"
        {
            printf '%s\n' "$block"
            sed '/^# BEGIN datachat test services/,/^# END datachat test services/d' "$hba.datachat.bak"
        } >"$hba"
        pg_admin -c 'SELECT pg_reload_conf()' >/dev/null
        sleep 1
    fi
    if [ "$(pg_admin -c 'SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL')" != 0 ]; then
        die "$hba has errors: see pg_hba_file_rules"
    fi

    # The hash must be SCRAM whatever password_encryption says, or scram-sha-256 lines reject
    # the right password too.
    pg_admin <<EOF >/dev/null
SET password_encryption = 'scram-sha-256';
DO \$\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'datachat_pw') THEN
        CREATE ROLE datachat_pw;
    END IF;
END \$\$;
ALTER ROLE datachat_pw LOGIN CREATEDB NOSUPERUSER PASSWORD '$SECRET';
DO \$\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'datachat_ro') THEN
        CREATE ROLE datachat_ro;
    END IF;
END \$\$;
ALTER ROLE datachat_ro LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION
    PASSWORD '$SECRET';
SELECT 'CREATE DATABASE datachat OWNER postgres'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'datachat') \gexec
EOF

    # Check what the tests rely on, so a broken set-up fails here with a clear message.
    pg_tcp_trust || die "PostgreSQL: postgres cannot log in over 127.0.0.1 without a password"
    PGPASSWORD=$SECRET psql -w -X -Atq "postgresql://datachat_pw@127.0.0.1:$PG_PORT/postgres" \
        -c 'SELECT 1' >/dev/null || die "PostgreSQL: datachat_pw cannot log in with its password"
    if PGPASSWORD=wrong psql -w -X -Atq "postgresql://datachat_pw@127.0.0.1:$PG_PORT/postgres" \
        -c 'SELECT 1' >/dev/null 2>&1; then
        die "PostgreSQL: datachat_pw logs in with a wrong password (check $hba)"
    fi
    log "PostgreSQL ready: postgres (trust), datachat_pw, datachat_ro, database datachat"
}

# --- MariaDB ------------------------------------------------------------------------------------
# `ping` succeeds even when access is denied, so it only tells whether the server runs.
mysql_up() { mariadb-admin --protocol=tcp -h 127.0.0.1 -P "$MYSQL_PORT" -u root ping; }

mysql_tcp_root() {
    mariadb --protocol=tcp -h 127.0.0.1 -P "$MYSQL_PORT" -u root -e 'SELECT 1' >/dev/null 2>&1
}

ensure_mariadb() {
    if mysql_up >/dev/null 2>&1; then
        log "MariaDB already running on 127.0.0.1:$MYSQL_PORT"
    else
        install -d -o mysql -g mysql /run/mysqld
        if [ ! -d /var/lib/mysql/mysql ]; then
            log "initialising /var/lib/mysql"
            mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
        fi
        log "starting MariaDB"
        # Debian's my.cnf sets user=mysql and bind-address=127.0.0.1.
        start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
        wait_for 60 MariaDB mysql_up
    fi

    local -a admin
    if mysql_tcp_root; then
        admin=(mariadb --protocol=tcp -h 127.0.0.1 -P "$MYSQL_PORT" -u root)
    else
        # Fresh Debian install: root@localhost authenticates by unix socket only. Let root in
        # from loopback without a password, as the tests' admin URL expects.
        admin=(mariadb -u root)
        log "allowing passwordless root over 127.0.0.1"
        "${admin[@]}" <<'EOF'
ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('');
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
EOF
    fi

    "${admin[@]}" <<EOF
CREATE USER IF NOT EXISTS 'datachat_test'@'127.0.0.1' IDENTIFIED BY '$SECRET';
ALTER USER 'datachat_test'@'127.0.0.1' IDENTIFIED BY '$SECRET';
GRANT ALL PRIVILEGES ON *.* TO 'datachat_test'@'127.0.0.1' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'datachat_test'@'localhost' IDENTIFIED BY '$SECRET';
ALTER USER 'datachat_test'@'localhost' IDENTIFIED BY '$SECRET';
GRANT ALL PRIVILEGES ON *.* TO 'datachat_test'@'localhost' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'datachat_ro'@'127.0.0.1' IDENTIFIED BY '$SECRET';
ALTER USER 'datachat_ro'@'127.0.0.1' IDENTIFIED BY '$SECRET';
GRANT SELECT, SHOW VIEW ON \`datachat\\_test\\_%\`.* TO 'datachat_ro'@'127.0.0.1';
GRANT SELECT, SHOW VIEW ON \`chinook\\_test\\_%\`.* TO 'datachat_ro'@'127.0.0.1';
FLUSH PRIVILEGES;
EOF

    mysql_tcp_root || die "MariaDB: root cannot log in over 127.0.0.1 without a password"
    mariadb --protocol=tcp -h 127.0.0.1 -P "$MYSQL_PORT" -u datachat_test -p"$SECRET" \
        -e 'SELECT 1' >/dev/null || die "MariaDB: datachat_test cannot log in with its password"
    if mariadb --protocol=tcp -h 127.0.0.1 -P "$MYSQL_PORT" -u datachat_test -pwrong \
        -e 'SELECT 1' >/dev/null 2>&1; then
        die "MariaDB: datachat_test logs in with a wrong password"
    fi
    mariadb --protocol=tcp -h 127.0.0.1 -P "$MYSQL_PORT" -u datachat_ro -p"$SECRET" \
        -e 'SELECT 1' >/dev/null || die "MariaDB: datachat_ro cannot log in with its password"
    log "MariaDB ready: root (no password), datachat_test, datachat_ro"
}

# --- Redis --------------------------------------------------------------------------------------
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

ensure_redis() {
    if redis_up; then
        log "Redis already running on 127.0.0.1:$REDIS_PORT"
        return
    fi
    install -d /var/lib/redis /var/log/redis
    log "starting Redis"
    # No persistence: test data only.
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" \
        --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_for 30 Redis redis_up
    log "Redis ready"
}

# --- ClickHouse ---------------------------------------------------------------------------------
ch() { clickhouse-client --host 127.0.0.1 --port "$CH_TCP_PORT" "$@"; }
ch_up() { ch -q 'SELECT 1'; }
ch_accounts_ok() {
    ch --user datachat --password "$SECRET" -q 'SELECT 1' >/dev/null 2>&1 &&
        [ "$(ch --user ch_readonly --password "$SECRET" \
            -q "SELECT value FROM system.settings WHERE name = 'readonly'" 2>/dev/null)" = 1 ]
}
ch_pid() {
    local pid
    pid=$(cat "$CH_DIR/clickhouse-server.pid" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

start_clickhouse() {
    log "starting ClickHouse from $CH_DIR/etc/config.xml"
    clickhouse-server --config-file="$CH_DIR/etc/config.xml" \
        --pid-file="$CH_DIR/clickhouse-server.pid" --daemon
    wait_for 60 ClickHouse ch_up
}

ensure_clickhouse() {
    # Copy the project config, pointing its paths at CH_DIR. The server re-reads users.xml by
    # itself; a changed config.xml needs a restart (done below when the server is ours).
    install -d "$CH_DIR/etc" "$CH_DIR/log" "$CH_DIR/data"
    local f config_changed=0
    for f in config.xml users.xml; do
        sed "s#/var/lib/datachat-clickhouse#$CH_DIR#g" "$REPO_DIR/deploy/clickhouse/$f" >"$CH_DIR/etc/$f.new"
        if cmp -s "$CH_DIR/etc/$f.new" "$CH_DIR/etc/$f"; then
            rm "$CH_DIR/etc/$f.new"
        else
            mv "$CH_DIR/etc/$f.new" "$CH_DIR/etc/$f"
            [ "$f" = config.xml ] && config_changed=1
        fi
    done

    local pid
    # Debian's package may have started its own server (init script, /etc/clickhouse-server,
    # listening on all of 9000/8123 without our users). Stop exactly that process, by pid.
    if ch_up >/dev/null 2>&1 && ! ch_pid >/dev/null && ! ch_accounts_ok; then
        pid=$(ss -ltnpH "sport = :$CH_TCP_PORT" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
        if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q '/etc/clickhouse-server/'; then
            log "stopping Debian's own clickhouse-server (pid $pid) to run the project's config"
            kill "$pid"
            wait_for 60 "ClickHouse shutdown" bash -c "! kill -0 $pid"
        fi
    fi

    if ch_up >/dev/null 2>&1; then
        if pid=$(ch_pid) && [ "$config_changed" = 1 ]; then
            log "config.xml changed: restarting ClickHouse (pid $pid)"
            kill "$pid"
            wait_for 60 "ClickHouse shutdown" bash -c "! kill -0 $pid"
            start_clickhouse
        else
            log "ClickHouse already running on 127.0.0.1:$CH_TCP_PORT"
        fi
    else
        start_clickhouse
    fi

    # Users are hot-reloaded every few seconds after users.xml changes, so allow some time.
    local i
    for ((i = 0; i < 30; i++)); do
        ch_accounts_ok && break
        sleep 1
    done
    ch_accounts_ok || die "ClickHouse on :$CH_TCP_PORT lacks the test users; is it another server than ours ($CH_DIR)?"
    if ch --user datachat --password wrong -q 'SELECT 1' >/dev/null 2>&1; then
        die "ClickHouse: datachat logs in with a wrong password"
    fi
    log "ClickHouse ready: default, datachat, ch_readonly (readonly=1)"
}

ensure_postgres
ensure_mariadb
ensure_redis
ensure_clickhouse
log "all test services ready"
