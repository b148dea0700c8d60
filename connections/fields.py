"""A text field stored encrypted (Fernet token); Python code only ever sees plaintext."""

import json

from django.db import models

from . import crypto


class UnreadableSecret(str):
    """A stored token no configured key can decrypt.

    Kept as the raw token so the row still loads (the admin flags it) and saving the row
    again writes the token back untouched instead of destroying it.
    """

    unreadable = True

    def __repr__(self) -> str:
        return "<UnreadableSecret>"


class EncryptedTextField(models.TextField):
    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        try:
            return crypto.decrypt(value)
        except crypto.InvalidToken:
            return UnreadableSecret(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        if isinstance(value, UnreadableSecret):
            return str(value)
        return crypto.encrypt(value)


class EncryptedJSONField(EncryptedTextField):
    """A JSON object stored as one Fernet token (empty when the object is). A token no key can
    read loads as UnreadableSecret, like EncryptedTextField, and is written back untouched."""

    def from_db_value(self, value, expression, connection):
        value = super().from_db_value(value, expression, connection)
        if value in (None, ""):
            return {}
        if isinstance(value, UnreadableSecret):
            return value
        return json.loads(value)

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        if isinstance(value, UnreadableSecret):
            return str(value)
        if not value:
            return ""
        return crypto.encrypt(json.dumps(value, sort_keys=True))
