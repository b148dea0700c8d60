"""English singulars for engine v2: the same word in the question and in the schema must
reduce to the same key, whatever its number ("courses" and "course", "movies" and "movie").

linking.singular (shared with the older engine) strips "es" from every "-ses" word
("courses" -> "cours") and turns every "-ies" into "-y" ("movies" -> "movy"); v2 reads
question words and identifiers through this one instead.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .linking import fold

# "-ie" nouns: their plural is not "-y" + "ies".
_IE = {"movie", "cookie", "calorie", "zombie", "rookie", "prairie", "genie", "pie", "tie",
       "lie", "serie", "specie", "newbie", "hippie", "selfie", "smoothie", "brownie"}  # fmt: skip
# Plurals that are not a suffix away from their singular, and words that only look plural.
_IRREGULAR = {"ids": "id", "people": "person", "children": "child", "men": "man", "women": "woman",
              "feet": "foot", "teeth": "tooth", "mice": "mouse", "geese": "goose",
              "series": "series", "species": "species", "news": "news", "data": "data",
              "criteria": "criterion", "indices": "index", "matrices": "matrix",
              "analyses": "analysis", "crises": "crisis", "theses": "thesis"}  # fmt: skip


@lru_cache(maxsize=100_000)
def singular(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-1] if word[:-1] in _IE else word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes", "zzes")):
        return word[:-2]  # classes, boxes, churches, dishes
    if len(word) > 4 and word.endswith("uses") and not word.endswith(("ouses", "auses")):
        return word[:-2]  # buses, statuses, campuses (not houses, causes)
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]  # courses, horses, cases
    return word


@lru_cache(maxsize=100_000)
def split_identifier(name: str) -> tuple[str, ...]:
    """Words of an identifier (snake_case, camelCase, PascalCase), folded and singular."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return tuple(singular(w) for w in re.split(r"[\s_\-.]+", fold(spaced)) if w)
