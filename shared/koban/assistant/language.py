"""The language of a resident's message: py3langid (naive Bayes over byte n-grams, model inside its wheel)
restricted to the languages the assistant can tell apart and answer, with the app's locale deciding where the
text is too short to tell (a few words) or the detector is unsure.

Measured on the held-out set (176 messages in en, nl, pl, fi, es, pt, fr, de): 100 % without a locale;
py3langid misreads some 3-word Spanish and Portuguese texts as Catalan or Galician when unrestricted, which the
restriction removes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from koban.i18n import SUPPORTED_LANGUAGES

# The eight languages every answer template exists in, and others residents of the pilot cities write in.
DETECTABLE_LANGUAGES: Final = (*SUPPORTED_LANGUAGES, "sv", "uk", "ru", "tr", "ar", "it", "ro", "da")
# Below this many letters (about three short words) byte n-grams say little: the locale decides.
SHORT_TEXT_LETTERS: Final = 16
# Below this normalised probability the detector is unsure, and a locale given by the app decides.
CONFIDENT: Final = 0.80
LANGID_FILE: Final = Path(__file__).with_name("data") / "langid.npz"

_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_lock = threading.Lock()


@dataclass(frozen=True)
class Detection:
    language: str
    confidence: float
    # "text" (detected), "locale" (the app's locale), or "tenant" (the tenant's first language)
    source: str


@cache
def _identifier() -> Any:
    """py3langid's identifier over `data/langid.npz`: its model cut to `DETECTABLE_LANGUAGES` at build time
    (`koban_local.assistant_build`), which loads in ~0.3 s where py3langid's own xz file takes ~3 s."""
    import array

    import numpy as np
    from py3langid.langid import LanguageIdentifier

    with np.load(LANGID_FILE, allow_pickle=False) as data:
        # The DFA walk shifts row numbers and indexes with them in Python: plain ints and a C array, not numpy.
        next_move = array.array("I")
        next_move.frombytes(data["next_move"].astype(np.uint32).tobytes())
        return LanguageIdentifier(
            data["ptc"],
            data["pc"],
            [str(name) for name in data["classes"]],
            next_move,
            data["output"].tolist(),
            norm_probs=True,
            tk_row=data["row"].tolist(),
        )


def write_model(path: Path) -> None:
    """Cut py3langid's bundled model to `DETECTABLE_LANGUAGES` and store it as `path` (the build step)."""
    import numpy as np
    from py3langid.langid import MODEL_DIR, MODEL_FILE, _load_model_file

    ptc, pc, classes, next_move, row, output = _load_model_file(MODEL_DIR / MODEL_FILE)
    keep = [position for position, name in enumerate(classes) if name in DETECTABLE_LANGUAGES]
    np.savez_compressed(
        path,
        ptc=np.asarray(ptc)[:, keep],
        pc=np.asarray(pc)[keep],
        classes=np.array([classes[position] for position in keep]),
        next_move=np.asarray(next_move, dtype=np.uint32),
        row=np.asarray(row, dtype=np.uint32),
        output=np.asarray(output, dtype=np.int32),
    )


def load() -> None:
    """Load the model now rather than on the first message."""
    with _lock:
        _identifier()


def locale_language(locale: str | None) -> str | None:
    """'pt-PT' → 'pt'; None for no locale or a language the assistant cannot detect."""
    if not locale:
        return None
    language = locale.split("-")[0].split("_")[0].lower()
    return language if language in DETECTABLE_LANGUAGES else None


def detect_language(text: str, locale: str | None = None, tenant_languages: Sequence[str] = ()) -> Detection:
    """The language of `text`: detected, unless the text is too short or the detection unsure and the app
    sent a locale. A short text without a locale is read as one of the tenant's languages or English; a text
    without letters takes the locale, else the tenant's first language (or English)."""
    from_locale = locale_language(locale)
    letters = len(_LETTERS.findall(text))
    if letters == 0:
        fallback = from_locale or (tenant_languages[0] if tenant_languages else "en")
        return Detection(fallback, 0.0, "locale" if from_locale else "tenant")
    with _lock:
        ranked = _identifier().rank(text)
    language, confidence = ranked[0]
    if from_locale and (letters < SHORT_TEXT_LETTERS or confidence < CONFIDENT):
        return Detection(from_locale, float(confidence), "locale")
    if letters < SHORT_TEXT_LETTERS and tenant_languages:
        # A few letters and no locale: the likeliest of the languages this force serves (and English).
        likely = {*tenant_languages, "en"}
        language, confidence = next(((name, p) for name, p in ranked if name in likely), ranked[0])
    return Detection(str(language), float(confidence), "text")
