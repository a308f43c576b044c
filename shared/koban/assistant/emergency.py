"""Emergency first: a life-or-limb situation happening now, recognised on every message in every language,
without any network model.

Two signals are combined:

* a lexicon per language (`data/emergency.json`): *strong* danger (someone not breathing, unconscious, stabbed,
  shot, bleeding, drowning, a fire, a break-in or an attack in progress), *weak* danger (a weapon, a fight,
  smoke, a cry for help) that needs a present-time cue, a second weak cue or some support from the model,
  and the cues that rule an emergency out: the event is over (*past*: yesterday, last week, "was stolen") or
  recurring (*habitual*: every night, often) with no present-time cue, a *negation* (nobody is hurt), or a
  *hypothetical* question (what should I do if..., when should I call 112); a progressive ("is breaking in")
  is a present cue against the past but not against a habit;
* the classifier's probability of the `emergency` category (offline embeddings), which catches wording the
  lexicon lacks and every language the lexicon does not cover.

`decide` is deliberately biased towards recall: telling someone to call 112 when they did not need to costs
little, missing an emergency can cost a life. Measured on the held-out set by `make eval`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

_LEXICON_FILE: Final = Path(__file__).with_name("data") / "emergency.json"
CUE_KINDS: Final = ("strong", "weak", "now", "ongoing", "past", "habitual", "negation", "hypothetical")
# The classifier alone decides at this probability (when no cue rules the emergency out) ...
MODEL_THRESHOLD: Final = 0.5
# ... and supports weak danger words from this probability on.
MODEL_SUPPORT: Final = 0.2
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


@dataclass(frozen=True)
class Cues:
    """Which kinds of cue the lexicon found in a message (each a tuple of the matched texts)."""

    strong: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    now: tuple[str, ...] = ()
    ongoing: tuple[str, ...] = ()
    past: tuple[str, ...] = ()
    habitual: tuple[str, ...] = ()
    negation: tuple[str, ...] = ()
    hypothetical: tuple[str, ...] = ()

    @property
    def over_or_recurring(self) -> bool:
        """The event is told as over with nothing saying it is happening now, or as recurring without an explicit
        'now' (a progressive is habitual too: "every night they are shouting")."""
        over = bool(self.past) and not (self.now or self.ongoing)
        return over or (bool(self.habitual) and not self.now)

    @property
    def ruled_out(self) -> bool:
        return bool(self.hypothetical or self.negation) or self.over_or_recurring


@dataclass(frozen=True)
class Assessment:
    emergency: bool
    reason: str  # "lexicon", "model", "ruled_out" or "none"
    cues: Cues


@cache
def _lexicon() -> Mapping[str, Mapping[str, tuple[re.Pattern[str], ...]]]:
    raw = json.loads(_LEXICON_FILE.read_text(encoding="utf-8"))
    return {
        language: {kind: tuple(re.compile(pattern) for pattern in entry.get(kind, ())) for kind in CUE_KINDS}
        for language, entry in raw.items()
        if not language.startswith("_")
    }


def lexicon_languages() -> frozenset[str]:
    return frozenset(_lexicon())


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_APOSTROPHES).lower()


def find_cues(text: str, language: str) -> Cues:
    """The cues of `language`'s lexicon in `text`; a language without a lexicon is read with English's, which
    still catches "112", weapons and cries for help written in English."""
    lexicon = _lexicon()
    patterns = lexicon.get(language) or lexicon["en"]
    normalised = normalise(text)
    found = {
        kind: tuple(match.group(0) for pattern in patterns[kind] for match in [pattern.search(normalised)] if match)
        for kind in CUE_KINDS
    }
    return Cues(**found)


def decide(cues: Cues, emergency_probability: float | None) -> Assessment:
    """Combine the lexicon's cues and the classifier's probability (None when no model is available)."""
    if cues.ruled_out:
        return Assessment(False, "ruled_out", cues)
    probability = emergency_probability or 0.0
    present = cues.now or cues.ongoing
    if cues.strong or (cues.weak and (present or len(cues.weak) > 1 or probability >= MODEL_SUPPORT)):
        return Assessment(True, "lexicon", cues)
    if probability >= MODEL_THRESHOLD:
        return Assessment(True, "model", cues)
    return Assessment(False, "none", cues)


def assess(text: str, language: str, emergency_probability: float | None) -> Assessment:
    return decide(find_cues(text, language), emergency_probability)
