"""A worst-case bound on what evaluating an app condition can cost, for any answers its form can hold.

The residents' apps evaluate conditions with json-logic-js, which has no operation budget (the server's engine
meters every evaluation, `koban.rules`). A condition of a few dozen nodes that doubles an array or a string in a
`reduce` forty times passes every limit on its text and would still freeze each app that shows its form. So a
condition is published only when its cost is bounded statically, before any app runs it:

- **size**, of every value it makes: a string's characters, an array's elements with their own sizes; a number,
  a boolean or null counts one. Every value stays within `MAX_CONDITION_SIZE`.
- **work**: operator applications, plus the units `cat`, `merge`, `substr` and `missing` copy into new values.
  One evaluation stays within `MAX_CONDITION_WORK`, the operation budget the server's engine gives a rule.

The bound is the worst case: every branch counts (the answers decide which one is taken); a value read from the
form (`var`) is as large as the longest answer an app accepts; an iteration (`map`, `filter`, `all`, `some`,
`none`) runs its body once per unit of its array, each element as large as the whole array; and `reduce`'s
accumulator is followed step by step until it stops growing. A static bound is used rather than a trial run on
sample answers because a trial takes one branch, and the bomb can wait in another.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from koban.app_config.findings import Finding, Path
from koban.rules import MAX_RULE_OPERATIONS

MAX_CONDITION_WORK: Final = MAX_RULE_OPERATIONS
"""Most work one evaluation of a condition may take (the server engine's operation budget, ~15 ms there)."""
MAX_CONDITION_SIZE: Final = 1_000_000
"""Largest value (in units: characters, elements) a condition may make."""
LONGEST_ANSWER: Final = 4_000
"""The largest value a condition can read from its form: a text answer's longest `max_length` (app and taxonomy
questions alike); a multiple choice holds at most 50 short codes, a number or a yes/no is one unit."""
MAX_ESTIMATE_STEPS: Final = 100_000
"""Nodes the estimate itself visits before it gives up: nested accumulating `reduce`s multiply them."""

_ELEMENT_SCOPED: Final = frozenset({"map", "filter", "all", "some", "none"})
_PICKS_AN_ARGUMENT: Final = frozenset({"if", "?:", "and", "or"})
_COPIES: Final = frozenset({"cat", "merge", "missing", "missing_some"})


class _TooCostly(Exception):
    def __init__(self, where: Path, message: str) -> None:
        super().__init__(message)
        self.where = where
        self.message = message


@dataclass(frozen=True)
class _Cost:
    size: int
    work: int


class _Estimate:
    """One condition's bound; raises `_TooCostly` at the first operator whose bound breaks a limit."""

    def __init__(self) -> None:
        self.steps = 0

    def _within(self, cost: _Cost, where: Path) -> _Cost:
        if cost.size > MAX_CONDITION_SIZE:
            raise _TooCostly(
                where,
                f"for some answers this makes a value of more than {MAX_CONDITION_SIZE:,} characters or elements, "
                "which would stall the residents' apps",
            )
        if cost.work > MAX_CONDITION_WORK:
            raise _TooCostly(
                where,
                f"for some answers this takes more than {MAX_CONDITION_WORK:,} operations, "
                "which would stall the residents' apps",
            )
        return cost

    def value(self, node: Any, where: Path, scope: int) -> _Cost:
        """The bound of `node` when a `var` in it reads values of at most `scope` units."""
        self.steps += 1
        if self.steps > MAX_ESTIMATE_STEPS:
            raise _TooCostly(where, "the condition's cost cannot be bounded: its iterations nest too deeply")
        if isinstance(node, list):
            items = [self.value(item, (*where, index), scope) for index, item in enumerate(node)]
            return self._within(_Cost(1 + sum(c.size for c in items), 1 + sum(c.work for c in items)), where)
        if isinstance(node, str):
            return _Cost(max(1, len(node)), 1)
        if not isinstance(node, dict):
            return _Cost(1, 1)
        if len(node) != 1:  # not an operator: json-logic-js returns the object as it is
            return _Cost(len(json.dumps(node)), 1)
        operator, arguments = next(iter(node.items()))
        at = (*where, operator)
        if not isinstance(arguments, list):
            arguments, paths = [arguments], [at]
        else:
            paths = [(*at, index) for index in range(len(arguments))]
        if operator in _ELEMENT_SCOPED or operator == "reduce":
            return self._within(self._iteration(operator, arguments, paths, scope), at)
        costs = [self.value(argument, path, scope) for argument, path in zip(arguments, paths, strict=True)]
        sizes = [cost.size for cost in costs]
        work = 1 + sum(cost.work for cost in costs)
        if operator == "var":
            size = max([scope, *sizes[1:]])  # the value read, or the default given
        elif operator in _PICKS_AN_ARGUMENT:
            size = max(sizes, default=1)
        elif operator in _COPIES:
            size = 1 + sum(sizes)
            work += size
        elif operator == "substr":
            size = sizes[0] if sizes else 1
            work += size
        else:  # comparisons, arithmetic, `in`, `!`, `!!`: one scalar
            size = 1
        return self._within(_Cost(size, work), at)

    def _iteration(self, operator: str, arguments: list[Any], paths: list[Path], scope: int) -> _Cost:
        array = self.value(arguments[0], paths[0], scope) if arguments else _Cost(1, 1)
        count = array.size  # elements: each is at least one unit
        body_rule = arguments[1] if len(arguments) > 1 else None
        body_path = paths[1] if len(arguments) > 1 else paths[0]
        if operator != "reduce":
            body = self.value(body_rule, body_path, array.size)  # an element is at most the whole array
            work = 1 + array.work + count * body.work
            size = {"map": 1 + count * body.size, "filter": array.size}.get(operator, 1)
            return _Cost(size, work)
        initial = self.value(arguments[2], paths[2], scope) if len(arguments) > 2 else _Cost(1, 1)
        accumulator = initial.size
        work = 1 + array.work + initial.work
        for step in range(count):
            # The body reads `current` (an element) and `accumulator`: at most the larger of the two.
            body = self.value(body_rule, body_path, max(array.size, accumulator))
            if body.size <= accumulator:  # it stopped growing: every further step costs the same
                work += (count - step) * body.work
                break
            work += body.work
            accumulator = body.size
            self._within(_Cost(accumulator, work), body_path)
        return _Cost(accumulator, work)


def cost_findings(rule: Any, at: Path) -> list[Finding]:
    """A `rule_too_costly` finding at the operator where `rule` (found at `at`) may outgrow the apps' means."""
    try:
        _Estimate().value(rule, at, LONGEST_ANSWER)
    except _TooCostly as too_costly:
        return [Finding("rule_too_costly", too_costly.where, too_costly.message)]
    return []
