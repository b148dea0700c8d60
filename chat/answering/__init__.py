"""Question answering: context building, SQL generation (litellm or the built-in engine),
validation, execution with self-correction. Pure functions called by pages, API and commands.
"""
