"""Declared cross-database links: `shop.customers.email` <-> `crm.contacts.email`.

A link says two columns of two registered databases hold the same values, so a question may
join them. Links are declared by staff (admin), checked against the latest snapshots of both
databases when saved, and given to the SQL generators as extra join paths.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from connections.models import Connection


class CrossDatabaseLink(models.Model):
    left_connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="links_from"
    )
    left_table = models.CharField(max_length=300, help_text="Table name, or schema.table.")
    left_column = models.CharField(max_length=300)
    right_connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="links_to"
    )
    right_table = models.CharField(max_length=300, help_text="Table name, or schema.table.")
    right_column = models.CharField(max_length=300)
    comment = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "left_connection",
                    "left_table",
                    "left_column",
                    "right_connection",
                    "right_table",
                    "right_column",
                ],
                name="federation_link_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.left_ref} <-> {self.right_ref}"

    @property
    def left_ref(self) -> str:
        return self._ref(self.left_connection, self.left_table, self.left_column)

    @property
    def right_ref(self) -> str:
        return self._ref(self.right_connection, self.right_table, self.right_column)

    @staticmethod
    def _ref(connection: Connection | None, table: str, column: str) -> str:
        from .services import alias_for

        alias = alias_for(connection) if connection is not None else "?"
        return f"{alias}.{table.rsplit('.', 1)[-1]}.{column}"

    def clean(self) -> None:
        """Both ends must exist in their database's latest snapshot (names are stored as
        the snapshot spells them); the two ends must be different databases."""
        if not (self.left_connection_id and self.right_connection_id):
            return  # the form reports the missing database itself
        if self.left_connection_id == self.right_connection_id:
            raise ValidationError(
                "A cross-database link joins two different databases; a join inside one "
                "database is a foreign key."
            )
        errors = {}
        for end in ("left", "right"):
            try:
                table, column = resolve_end(
                    getattr(self, f"{end}_connection"),
                    getattr(self, f"{end}_table"),
                    getattr(self, f"{end}_column"),
                )
            except ValidationError as exc:
                errors[f"{end}_table"] = exc.messages
                continue
            setattr(self, f"{end}_table", table)
            setattr(self, f"{end}_column", column)
        if errors:
            raise ValidationError(errors)


def resolve_end(connection: Connection, table: str, column: str) -> tuple[str, str]:
    """(qualified table, column) as the latest snapshot spells them, else ValidationError."""
    from schemas_app import services as schemas

    from .planner import FederationError, find_table

    snapshot = schemas.latest_snapshot(connection)
    document = schemas.snapshot_document(snapshot.pk) if snapshot else None
    if document is None:
        raise ValidationError(
            f"{connection.name} has no schema snapshot yet; extract its schema first."
        )
    schema, _, name = (table or "").strip().rpartition(".")
    try:
        found = find_table(document, name, schema)
    except FederationError as exc:
        raise ValidationError(f"{connection.name}: {exc}") from None
    match = next((c for c in found.columns if c.name.lower() == column.strip().lower()), None)
    if match is None:
        columns = ", ".join(c.name for c in found.columns)
        raise ValidationError(
            f"{connection.name}: {found.qualified_name} has no column {column!r}; "
            f"its columns are: {columns}."
        )
    return found.qualified_name, match.name
