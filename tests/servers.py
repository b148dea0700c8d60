"""Database servers for tests (placeholder: being written)."""
