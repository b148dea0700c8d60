"""Lexical retrieval (BM25), blended with embeddings when EMBEDDING_MODEL is set: the one place
ranking by text similarity is set up, for DataPoints and verified examples ("Save as example")
alike. Schema linking (chat.answering.context) scores tables with its own structured index;
what it shares with this module is the word splitting (`tokens`)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[A-Za-z]+|\d+")
_STOP = frozenset(
    "a an the of in on at to for by with from and or is are was were what which who how many "
    "much show list give me per each all".split()
)


def tokens(text: str) -> list[str]:
    """Lower-case words with a light plural stem; camelCase split; stop words dropped."""
    out = []
    for part in _WORD.findall(re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(text))):
        word = part.lower()
        if word in _STOP:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out


def bm25_scores(corpus: Sequence[Sequence[str]], query: Sequence[str], *, k1=1.2, b=0.5):
    """BM25 score of every document of `corpus` (lists of tokens) for `query`, as a numpy
    array (zeros when the query has no words)."""
    import numpy as np

    if not corpus or not query:
        return np.zeros(len(corpus))
    import bm25s  # heavy (numpy, scipy): only once something is ranked

    # bm25s logs every index build through its own handler; that is noise in a command.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    retriever = bm25s.BM25(k1=k1, b=b)
    retriever.index([list(doc) or ["_empty_"] for doc in corpus], show_progress=False)
    return np.asarray(retriever.get_scores(list(query)), dtype=float)


def retrieve_points(question: str, candidates: Sequence[Any], *, k: int = 8) -> list[Any]:
    """The k DataPoints (verified examples among them) most relevant to the question: BM25
    over each point's name and text, blended half and half with the cosine similarity of
    embeddings when EMBEDDING_MODEL is set and the points carry vectors."""
    if not candidates or not question.strip():
        return []
    import numpy as np

    from . import gateway

    # The name (metric, term, table) counts more than any word of its description.
    corpus = [
        tokens(c.name) * (3 if c.kind != "example" else 0) + tokens(c.text) for c in candidates
    ]
    lexical = bm25_scores(corpus, tokens(question))
    scores = lexical / lexical.max() if lexical.max() > 0 else lexical
    embedded = [i for i, c in enumerate(candidates) if c.embedding]
    if gateway.embedding_model() and embedded:
        try:
            vector = np.asarray(gateway.embed([question], purpose="embed-question")[0], dtype=float)
        except gateway.GatewayError:
            logger.warning("Question embedding failed; DataPoints ranked by BM25 only")
        else:
            matrix = np.asarray([candidates[i].embedding for i in embedded], dtype=float)
            norms = np.linalg.norm(matrix, axis=1) * (np.linalg.norm(vector) or 1.0)
            cosine = matrix @ vector / np.where(norms == 0, 1.0, norms)
            dense = np.zeros(len(candidates))
            dense[embedded] = np.clip(cosine, 0, None)
            scores = 0.5 * scores + 0.5 * dense
    order = [i for i in np.argsort(-scores, kind="stable") if scores[i] > 0]
    return [candidates[i] for i in order[:k]]
