"""The admin's Connection form: URL shortcut, write-only password and secret options, test
(privileges included) before save."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from . import services
from .connection_url import ConnectionURLError, parse_connection_url
from .dialects import DIALECTS, dialect_class, is_secret_option, retire_engine
from .dialects.base import SESSION_ROLE_NAME
from .models import SECRET_MASK, Connection

# Fields that say where and how to connect; a URL fills these in.
URL_FIELDS = ("kind", "host", "port", "database", "username", "password", "options")


class WriteOnlyTextInput(forms.TextInput):
    """A text box that never renders a value back: a URL may hold a password."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)


class ConnectionAdminForm(forms.ModelForm):
    # How to save anyway, after a failed test; the API names its own switch.
    skip_test_hint = 'Fix the settings, or tick "Save without testing".'

    connection_url = forms.CharField(
        required=False,
        label="Connection URL",
        widget=WriteOnlyTextInput(attrs={"size": 80, "autocomplete": "off"}),
        help_text="Optional, e.g. postgresql://user:pass@host:5432/db or sqlite:///path/to.db. "
        "When given it fills in kind, host, port, database, user, password and options.",
    )
    # render_value=False: the stored secret never travels back to the browser.
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave blank to keep the stored password.",
    )
    tags = forms.CharField(required=False, help_text="Comma-separated, e.g. sales, production.")
    # Not the model's is_default (a different name keeps ModelForm from copying it onto the
    # instance): the admin moves the default with services.set_default_connection, so
    # ticking it on a second connection moves the default instead of tripping the
    # one-default constraint.
    make_default = forms.BooleanField(required=False, label="Default")
    skip_test = forms.BooleanField(
        required=False,
        label="Save without testing",
        help_text="Save even if the database cannot be reached right now.",
    )

    class Meta:
        model = Connection
        fields = [
            "name",
            "description",
            "kind",
            "host",
            "port",
            "database",
            "username",
            "password",
            "options",
            "tags",
            "color",
            "is_active",
            "allow_privileged",
            "data_exposure",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Kind may come from the URL instead; clean() insists on one of the two.
        self.fields["kind"].required = False
        self.initial["tags"] = ", ".join(self.instance.tags or [])
        self.initial["make_default"] = self.instance.is_default
        # Secret options show by name only: their values never travel back to the browser.
        self.initial["options"] = self.instance.masked_options
        self.fields["options"].help_text += (
            " Options whose names look secret (password, passfile, key, token, ...) are stored "
            f"encrypted and shown as {SECRET_MASK}: leave that to keep the stored value."
        )
        self.secret_options: dict = {}
        self.test_result = None

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self.errors:
            self._mask_submitted_secrets()

    def _mask_submitted_secrets(self) -> None:
        """A form shown again with errors must not carry the secret options just typed (a
        key file, a password) back to the browser: they show as the mask, like stored ones.
        Unreadable options text that names a secret is not shown at all."""
        raw = self.data.get("options")
        if not raw:
            return
        try:
            options = json.loads(raw)
        except (TypeError, ValueError):
            options = None
        if isinstance(options, dict):
            masked = {k: SECRET_MASK if is_secret_option(k) else v for k, v in options.items()}
            shown = json.dumps(masked)
        elif any(is_secret_option(word) for word in str(raw).replace('"', " ").split()):
            shown = "{}"
        else:
            return
        self.data = self.data.copy()
        self.data["options"] = shown

    def clean_password(self):
        password = self.cleaned_data.get("password", "")
        if not password and self.instance.pk:
            return self.instance.password  # blank on edit keeps the stored secret
        return password

    def clean_tags(self):
        raw = self.cleaned_data.get("tags", "")
        tags = [tag.strip() for tag in raw.split(",") if tag.strip()]
        return list(dict.fromkeys(tags))  # drop duplicates, keep order

    def clean_options(self):
        options = self.cleaned_data.get("options")
        if options in (None, ""):
            return {}
        if not isinstance(options, dict):
            raise ValidationError('Options must be a JSON object, e.g. {"sslmode": "require"}.')
        return options

    def clean(self):
        cleaned = super().clean()
        url = cleaned.get("connection_url", "").strip()
        if url:
            try:
                parsed = parse_connection_url(url)
            except ConnectionURLError as exc:
                # The parser's messages never echo the URL, which may hold a password.
                self.add_error("connection_url", str(exc))
                return cleaned
            if not parsed["password"]:
                parsed.pop("password")  # keep a typed or stored password
            parsed["options"] = {**(cleaned.get("options") or {}), **parsed["options"]}
            cleaned.update(parsed)
        if not cleaned.get("kind"):
            self.add_error("kind", "Choose a kind, or give a connection URL.")
        cleaned["options"], self.secret_options = self._split_options(cleaned.get("options") or {})
        self._check_session_role(cleaned)
        self._check_kind_options(cleaned)
        if self.errors or cleaned.get("skip_test"):
            return cleaned
        self.test_result = self._test(cleaned)
        if self.test_result.refused_as_privileged:
            # The message names the problems, the read-only account to create and the override.
            raise ValidationError(
                "Connection test failed: %(message)s", params={"message": self.test_result.message}
            )
        if not self.test_result.ok:
            raise ValidationError(
                "Connection test failed: %(message)s " + self.skip_test_hint,
                params={"message": self.test_result.message},
            )
        return cleaned

    def _split_options(self, options: dict) -> tuple[dict, dict]:
        """(plain options, secret options). A secret sent back as the mask keeps its stored
        value; one left out, or emptied, is dropped."""
        stored = self.instance.readable_secret_options if self.instance.pk else {}
        plain, secrets = {}, {}
        for key, value in options.items():
            if not is_secret_option(key):
                plain[key] = value
            elif value == SECRET_MASK:
                if key in stored:
                    secrets[key] = stored[key]
            elif value not in ("", None):
                secrets[key] = value
        return plain, secrets

    def _check_session_role(self, cleaned) -> None:
        role = (cleaned.get("options") or {}).get("session_role")
        if role in (None, ""):
            return
        if cleaned.get("kind") != Connection.Kind.POSTGRESQL:
            self.add_error("options", "session_role is for PostgreSQL only.")
        elif not isinstance(role, str) or not SESSION_ROLE_NAME.fullmatch(role):
            self.add_error("options", "session_role must be a plain role name.")

    def _check_kind_options(self, cleaned) -> None:
        """The kind's own checks that need no server (BigQuery's key file, dataset, project);
        they apply even with "Save without testing". Messages never echo a secret."""
        kind = cleaned.get("kind")
        if kind not in DIALECTS:
            return
        settings = {**cleaned.get("options", {}), **self.secret_options}
        settings["database"] = cleaned.get("database") or ""
        for problem in dialect_class(kind).option_errors(settings):
            self.add_error("options", problem)

    def _test(self, cleaned):
        # An unsaved copy with its own id, so a failed attempt never replaces the pooled
        # engine of the saved connection; its engine is thrown away right after.
        probe = Connection(
            **{field: cleaned.get(field) for field in URL_FIELDS},
            secret_options=self.secret_options,
            allow_privileged=bool(cleaned.get("allow_privileged")),
        )
        try:
            return services.test_connection(probe, record=False)
        finally:
            retire_engine(str(probe.id))

    def save(self, commit=True):
        self.instance.secret_options = self.secret_options
        if self.test_result is not None:
            for name, value in services.fields_from_test(self.test_result).items():
                setattr(self.instance, name, value)
        return super().save(commit)

    def stamp_override(self, user) -> None:
        """Remember who allowed a privileged account and when (cleared when unticked)."""
        if "allow_privileged" not in self.changed_data:
            return
        allowed = self.instance.allow_privileged
        self.instance.privileged_allowed_by = user if allowed else None
        self.instance.privileged_allowed_at = timezone.now() if allowed else None
