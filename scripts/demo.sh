#!/usr/bin/env bash
# The one-command local demo, run by `make demo` from the repo root once .venv is installed:
# SQLite system database, the generated demo shop as the default connection, an admin user,
# then the development server. Needs no Redis, no API key and no database server.
#   DEMO_RESEED=1  regenerate data/demo.sqlite3 even if it exists
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
# Same default as settings.DATA_DIR (the admin password file lives there too).
DATA_DIR="${DATACHAT_DATA_DIR:-data}"
mkdir -p "$DATA_DIR"

"$PY" manage.py migrate --noinput

# Keep an existing demo file (it may be large or hand-tuned) but always (re)register it, since
# the system database may be newer than the demo file.
keep=(--if-missing)
[ "${DEMO_RESEED:-0}" = 1 ] && keep=()
"$PY" manage.py seed_demo --register "Demo shop" --default "${keep[@]}"
# Extract (and profile) its schema so questions and the schema browser work at once.
"$PY" manage.py extract_schema "Demo shop" --profile
# Business definitions (revenue, churned, ...) for the demo, from datapoints/demo-shop/.
"$PY" manage.py datapoints sync --dir datapoints/demo-shop --connection-id "Demo shop"

# The password is generated once and reused, so restarting the demo keeps the same login.
password_file="$DATA_DIR/demo-admin-password"
if [ ! -s "$password_file" ]; then
    (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(12))' >"$password_file")
fi
password="$(cat "$password_file")"

# Passed through the environment, not argv, so it does not show up in `ps`.
DEMO_ADMIN_PASSWORD="$password" "$PY" manage.py shell -c '
import os
from django.contrib.auth import get_user_model

user, _ = get_user_model().objects.get_or_create(
    username="admin", defaults={"email": "admin@example.com"})
user.is_active = user.is_staff = user.is_superuser = True
user.set_password(os.environ["DEMO_ADMIN_PASSWORD"])
user.save()
'

cat <<MSG

  DataChat demo is starting on http://127.0.0.1:8000/
    user:      admin
    password:  $password
  (the password is kept in $password_file; the admin is at /admin/)

MSG
exec "$PY" manage.py runserver 127.0.0.1:8000
