"""SQL guard (placeholder: being written)."""


class UnsafeSQLError(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def guard_sql(sql: str, kind: str, *, limit: int | None = None) -> str:
    raise NotImplementedError
