"""The built-in engine: a deterministic, schema-grounded question -> SQL translator.

One pipeline of small pure steps (engine.py): question -> tokens -> mentions -> an
Interpretation -> SQL for the target dialect, with a plain-English restatement and column
labels. Every word of the question is accounted for by the reading or is a function word;
otherwise it refuses and names the words it could not place.

Conventions: relative dates are calendar years counted from `today`; "not X" keeps NULLs;
"between A and B" is inclusive; "A or B" on one column is IN (A, B); "which X has the most Y"
shows X's name, not the count beside it.
"""

from .engine import answer, understand
from .entry import generate
from .reader import Refusal
from .schema_answers import describe_answer, document_answer, tables_answer

__all__ = [
    "Refusal",
    "answer",
    "describe_answer",
    "document_answer",
    "generate",
    "tables_answer",
    "understand",
]
