"""Checks of the JSONLogic conditions an app evaluates (`visible_if`, `required_if`).

The server compiles every condition with the one evaluator, `koban.rules`. The apps evaluate the same
conditions with json-logic-js, which knows fewer operators than the server's engine, so a condition may use
only operators both have (`APP_OPERATORS`). Every field a condition reads (`var`, `missing`, `missing_some`)
must be one the app can supply: a typo in a field name would otherwise hide a question for ever.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any, Final

from koban.app_config.cost import cost_findings
from koban.app_config.findings import Finding, Path
from koban.rules import RuleError, validate_rule

APP_OPERATORS: Final = frozenset(
    {
        # json-logic-js 2.0 (https://jsonlogic.com/operations.html), minus `method` (it calls methods of the
        # data: arbitrary code) and `log` (console output is no condition).
        "var", "missing", "missing_some",
        "if", "?:", "and", "or", "!", "!!",
        "==", "===", "!=", "!==", ">", ">=", "<", "<=",
        "+", "-", "*", "/", "%", "min", "max",
        "map", "filter", "reduce", "all", "none", "some", "merge", "in",
        "cat", "substr",
    }
)  # fmt: skip
"""Operators a condition may use: those json-logic-js and the server's engine both evaluate identically."""

# Operators whose arguments after the first are evaluated against each array element, not against the form:
# a `var` there names a field of the element ("" is the element itself), never an answer.
_SCOPED: Final = frozenset({"map", "filter", "reduce", "all", "none", "some"})


def _walk(rule: Any, at: Path, scoped: bool = False) -> Iterator[tuple[str, Any, Path, bool]]:
    """(operator, arguments, where, inside an element scope) for every operator application in `rule`."""
    stack: list[tuple[Any, Path, bool]] = [(rule, at, scoped)]
    while stack:
        node, where, in_scope = stack.pop()
        if isinstance(node, list):
            stack.extend((item, (*where, index), in_scope) for index, item in reversed(list(enumerate(node))))
        elif isinstance(node, dict) and len(node) == 1:
            operator, arguments = next(iter(node.items()))
            yield operator, arguments, (*where, operator), in_scope
            if isinstance(arguments, list):
                for index, argument in reversed(list(enumerate(arguments))):
                    inner = in_scope or (operator in _SCOPED and index > 0)
                    stack.append((argument, (*where, operator, index), inner))
            else:
                stack.append((arguments, (*where, operator), in_scope))


def _named_fields(operator: str, arguments: Any) -> Iterator[str | None]:
    """The field names an operator reads; None for a name that is computed (and so cannot be checked)."""
    if operator == "var":
        name = arguments[0] if isinstance(arguments, list) and arguments else arguments
        if isinstance(arguments, list) and not arguments:
            name = ""
        yield name if isinstance(name, str) else (str(name) if isinstance(name, int) else None)
    elif operator in ("missing", "missing_some"):
        names = arguments
        if operator == "missing_some":
            names = arguments[1] if isinstance(arguments, list) and len(arguments) == 2 else None
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list):
            yield None
            return
        for name in names:
            yield name if isinstance(name, str) else None


def condition_findings(rule: Any, at: Path) -> list[Finding]:
    """Why `rule` (found at `at`) cannot be an app condition: it does not compile, it uses an operator the
    apps' engine lacks, or evaluating it may cost more than an app can bear (`koban.app_config.cost`). [] when
    it can."""
    try:
        validate_rule(rule)
    except RuleError as error:
        where = (*at, *[part for part in (error.pointer or "").split("/") if part])
        return [Finding("rule_invalid", where, f"the condition does not compile: {error.message}")]
    unknown = [
        Finding(
            "rule_operator_not_in_apps",
            where,
            f"the apps' JSONLogic engine (json-logic-js) has no operator '{operator}'",
        )
        for operator, _, where, _ in _walk(rule, at)
        if operator not in APP_OPERATORS
    ]
    return unknown or cost_findings(rule, at)


def field_findings(rule: Any, at: Path, known: Callable[[str], bool], subject: str) -> list[Finding]:
    """A finding for every field `rule` reads that `known` does not know (or computes, so that it cannot be
    checked); `subject` says whose condition it is. Element scopes of `map`, `some`... are not form fields."""
    findings = []
    for operator, arguments, where, in_scope in _walk(rule, at):
        if in_scope or operator not in ("var", "missing", "missing_some"):
            continue
        for name in _named_fields(operator, arguments):
            if name is None:
                message = f"{subject}: field names must be written out, not computed"
                findings.append(Finding("rule_unknown_field", where, message))
            elif not known(name):
                findings.append(Finding("rule_unknown_field", where, f"{subject}: there is no field '{name}'"))
    return findings


def answer_references(rule: Any, prefix: str = "answers.") -> set[str]:
    """The answer codes a condition reads (`answers.ongoing` → `ongoing`), outside element scopes."""
    codes = set()
    for operator, arguments, _, in_scope in _walk(rule, ()):
        if in_scope or operator not in ("var", "missing", "missing_some"):
            continue
        for name in _named_fields(operator, arguments):
            if name and name.startswith(prefix):
                codes.add(name[len(prefix) :].split(".")[0])
    return codes


def cycles(dependencies: Mapping[str, Collection[str]]) -> list[list[str]]:
    """Every cycle of a dependency graph (node → the nodes it depends on), each once, from its first node."""
    found: list[list[str]] = []
    seen_cycles: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    for start in dependencies:
        if state.get(start):
            continue
        path: list[str] = []
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(dependencies.get(start, ()))))]
        state[start] = 1
        path.append(start)
        while stack:
            node, successors = stack[-1]
            successor = next(successors, None)
            if successor is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(successor) == 1:
                cycle = path[path.index(successor) :]
                if frozenset(cycle) not in seen_cycles:
                    seen_cycles.add(frozenset(cycle))
                    found.append(cycle)
            elif not state.get(successor) and successor in dependencies:
                state[successor] = 1
                path.append(successor)
                stack.append((successor, iter(sorted(dependencies.get(successor, ())))))
    return found
