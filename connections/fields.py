"""A text field stored encrypted (Fernet token); Python code only ever sees plaintext."""

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
