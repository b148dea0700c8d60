from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError
from django.db import connection as db
from django.db import transaction

from connections import crypto
from connections.models import Connection


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored connection password (and secret options) under the first key of "
        "DATABASE_CREDENTIALS_KEY (put the new key first, keep the old ones after it). "
        "Rows no configured key can decrypt are named and left untouched; the command then "
        "exits with a non-zero status after rotating all the others."
    )

    def handle(self, *args, **options):
        fernet = crypto.credentials_fernet()
        table = db.ops.quote_name(Connection._meta.db_table)
        columns = [
            db.ops.quote_name(Connection._meta.get_field(name).column)
            for name in ("password", "secret_options")
        ]
        rotated, empty, failed = 0, 0, []
        # Raw SQL on purpose: going through the model field would decrypt on read and
        # encrypt again on write, hiding unreadable rows and defeating the rotation.
        with transaction.atomic(), db.cursor() as cursor:
            cursor.execute(f"SELECT id, name, {', '.join(columns)} FROM {table} ORDER BY name")
            for pk, name, *tokens in cursor.fetchall():
                if not any(tokens):
                    empty += 1
                    continue
                try:  # a row is rotated whole or left untouched
                    new_tokens = [fernet.rotate(t.encode()).decode() if t else t for t in tokens]
                except InvalidToken:
                    failed.append(name)
                    continue
                assignments = ", ".join(f"{column} = %s" for column in columns)
                cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*new_tokens, pk])
                rotated += 1
        self.stdout.write(f"Rotated {rotated}, skipped empty {empty}, failed {len(failed)}.")
        if failed:
            raise CommandError(
                "No configured key can decrypt the password of: "
                + ", ".join(failed)
                + ". Left untouched; re-enter their passwords in the admin."
            )
