"""`make eval`: the assistant on its held-out set (`assistant_data/eval/`, never used for training), per language:
emergency recall, false emergencies, category accuracy and language accuracy, through the same `understand`
the function runs (language detection, emergency lexicon + classifier, category), without a locale.

Exits 1 when a bar of issue 5 is missed: emergency recall below 100 %, false emergencies above 5 % or
language accuracy below 97 % (category accuracy has a target of 90 %, reported with the rest).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from koban.assistant.service import understand
from koban.tenants.models import AssistantGroup
from koban_local.assistant_build import Example, load_evaluation

RECALL_BAR = 1.0
FALSE_EMERGENCY_BAR = 0.05
LANGUAGE_BAR = 0.97
CATEGORY_TARGET = 0.90


@dataclass
class Tally:
    messages: int = 0
    emergencies: int = 0
    caught: int = 0
    others: int = 0
    false_alarms: int = 0
    categories_right: int = 0
    languages_right: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, example: Example, language: str, emergency: bool, category: AssistantGroup) -> None:
        self.messages += 1
        expected_emergency = example.category is AssistantGroup.EMERGENCY
        if expected_emergency:
            self.emergencies += 1
            self.caught += emergency
        else:
            self.others += 1
            self.false_alarms += emergency
        self.categories_right += category is example.category
        self.languages_right += language == example.language
        if category is not example.category or language != example.language:
            self.misses.append(f"{example.language} {example.category} -> {language} {category}: {example.text}")

    @property
    def recall(self) -> float:
        return self.caught / self.emergencies if self.emergencies else 1.0

    @property
    def false_rate(self) -> float:
        return self.false_alarms / self.others if self.others else 0.0

    @property
    def category_accuracy(self) -> float:
        return self.categories_right / self.messages

    @property
    def language_accuracy(self) -> float:
        return self.languages_right / self.messages

    def row(self, name: str) -> str:
        return (
            f"  {name:<6} {self.messages:>4}   {self.caught:>2}/{self.emergencies:<2} {self.recall:>7.0%}"
            f"   {self.false_alarms:>2}/{self.others:<3} {self.false_rate:>6.1%}"
            f"   {self.category_accuracy:>8.1%}   {self.language_accuracy:>8.1%}"
        )


def evaluate(examples: Sequence[Example]) -> tuple[dict[str, Tally], Tally]:
    by_language: dict[str, Tally] = defaultdict(Tally)
    total = Tally()
    for example in examples:
        understood = understand(example.text, None)
        for tally in (by_language[example.language], total):
            tally.add(example, understood.detection.language, understood.emergency.emergency, understood.category)
    return dict(by_language), total


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate the assistant on its held-out set.")
    parser.add_argument("--verbose", action="store_true", help="list every message the assistant got wrong")
    arguments = parser.parse_args(argv)
    examples = load_evaluation()
    by_language, total = evaluate(examples)
    print(f"KOBAN assistant evaluation (held-out set, {total.messages} messages, no locale given)\n")
    print("  lang    msgs   emergency recall   false emergencies   category   language")
    for language in sorted(by_language):
        print(by_language[language].row(language))
    print(total.row("all"))
    print(
        f"\n  bars: emergency recall {RECALL_BAR:.0%}, false emergencies <= {FALSE_EMERGENCY_BAR:.0%}, "
        f"language >= {LANGUAGE_BAR:.0%}; category target >= {CATEGORY_TARGET:.0%}"
    )
    if arguments.verbose and total.misses:
        print("\n  wrong:")
        for miss in total.misses:
            print(f"    {miss}")
    failed = [
        language
        for language, tally in {**by_language, "all": total}.items()
        if tally.recall < RECALL_BAR or tally.false_rate > FALSE_EMERGENCY_BAR or tally.language_accuracy < LANGUAGE_BAR
    ]
    if failed:
        print(f"\n  FAILED for: {', '.join(failed)}")
        return 1
    if total.category_accuracy < CATEGORY_TARGET:
        print(f"\n  category accuracy {total.category_accuracy:.1%} is below the {CATEGORY_TARGET:.0%} target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
