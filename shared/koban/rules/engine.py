"""The one JSONLogic evaluator of KOBAN: a guarded wrapper around `datalogic_py`.

Everything that evaluates a rule (triage, routing, deadlines, app visibility, alerts, the dry-run endpoint)
goes through this module, so the server and the apps agree on one dialect and one set of limits.

Why a wrapper and not the library directly (measured on datalogic-py 5.9, see DESIGN.md section 8):

- Converting a Python rule or data nested 10,000-20,000 deep segfaults the process (fewer on a thread with a
  smaller stack; the engine's own 256-level compile limit comes after that conversion), and `json.dumps` of a
  few thousand levels raises `RecursionError`. `canonical_rule_text` therefore bounds depth, node count and
  size with an iterative walk before anything recursive sees the rule.
- A bare Python `str` is read as JSON *text*, not as a string value. Rules are compiled from their canonical
  JSON text (which is also the cache key), so a `str` rule is always the JSON string literal it denotes; a
  `str` data value is passed as `json.dumps(data)` for the same reason.
- Engine exceptions carry a tag and a breadcrumb, not a domain error: they become `RuleError`, and callers
  that must never fail (a citizen app, a triage step) pass `default=` and get that value, with a log line.

Data is passed to the engine as Python objects (about 6x faster than JSON text). Its nesting is not walked on
the hot path: data reaches rules from `json.loads` / pydantic, which stop at Python's recursion limit (about
1,000 levels), far below the depth that crashes the engine.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import datalogic_py

from koban.errors import KobanError

__all__ = [
    "EVALUATION_FAILED",
    "INVALID_RULE",
    "MAX_RULE_BYTES",
    "MAX_RULE_DEPTH",
    "MAX_RULE_NODES",
    "MAX_RULE_OPERATIONS",
    "NO_DEFAULT",
    "RULE_CACHE_SIZE",
    "RULE_FAMILIES",
    "CompiledRule",
    "RuleError",
    "canonical_rule_text",
    "clear_compile_cache",
    "compile_cache_info",
    "compile_rule",
    "evaluate",
    "load_rule_file",
    "truthy",
    "validate_rule",
]

logger = logging.getLogger("koban.rules")

# Limits. Real rules (triage, routing, visibility) are a few levels and a few dozen nodes; the official and
# community conformance suites peak at depth 9, 23 nodes and 156 bytes. The depth bound also stays well
# below serde_json's 128-level parse limit, so canonical text we accept always parses.
MAX_RULE_DEPTH: Final = 64
"""Deepest nesting of JSON containers (objects and arrays) a rule may have; a top-level object is depth 1."""
MAX_RULE_NODES: Final = 2_000
"""Most JSON values (containers and scalars, the rule itself included) a rule may hold."""
MAX_RULE_BYTES: Final = 64 * 1024
"""Largest canonical JSON text (UTF-8) of a rule."""
RULE_CACHE_SIZE: Final = 256
"""Compiled rules kept; six tenants with a few dozen rules each fit with room for dry runs."""
MAX_RULE_OPERATIONS: Final = 1_000_000
"""Operations one evaluation may charge (the engine's `ops_budget`): ~15 ms of work here. A rule over one
report needs hundreds; the budget stops a quadratic `map` over a large array in the data."""
RULE_FAMILIES: Final = ("Core", "ErrorHandling", "ExtControl")
"""Operator families the engine offers: classic JSONLogic plus `val`, `exists`, `??`, `switch`, `type`,
`try`, `throw` (what the JSONLogic community suites standardise, so the apps can run the same rules).
Left out on purpose: Tensor (one `zeros` rule can allocate a gigabyte), DateTime (`now` is not
reproducible and ignores the tenant's time zone: pass local time in the data), and the ExtString,
ExtArray, ExtObject, ExtMath and Flagd extensions, which are datalogic's own (json-logic-js has none of
them). Widen this tuple deliberately, with the app-side engine in mind."""

INVALID_RULE: Final = "invalid_rule"
"""`RuleError.code` for a rule that breaks a limit, is not JSON, or that the engine refuses."""
EVALUATION_FAILED: Final = "rule_evaluation_failed"
"""`RuleError.code` for a rule that failed on given data (NaN arithmetic, `throw`, bad arguments, an unknown
operator in the branch taken, the operation budget)."""


class _NoDefault:
    """Marks "no default given": `None` is a legitimate default."""

    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Final = _NoDefault()

# "Thrown: {payload} (in operator: op)" is the only place the engine exposes a thrown value.
_THROWN = re.compile(r"\AThrown: (?P<payload>.*?)(?: \(in operator: [^()]*\))?\Z", re.DOTALL)


class RuleError(KobanError):
    """A rule is invalid, or failed on the data it was given.

    `message` says what is wrong; `detail` (what an API shows) adds where. `pointer` is an RFC 6901 JSON
    pointer into the rule when it is known ("" is the whole rule),
    `operator` the failing operator, `error_type` the engine's error tag (e.g. "Thrown",
    "InvalidArguments", "UnknownOperator"), `thrown` the value a `throw` (or NaN arithmetic, which throws
    `{"type": "NaN"}`) raised, and `source` / `rule_name` where the rule came from when loaded from a file.
    """

    code = INVALID_RULE

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        pointer: str | None = None,
        operator: str | None = None,
        error_type: str | None = None,
        thrown: Any = None,
        source: str | None = None,
        rule_name: str | None = None,
    ) -> None:
        where = "" if pointer is None else f" (at {pointer or 'the top of the rule'})"
        super().__init__(message + where, code=code)
        self.message = message
        self.pointer = pointer
        self.operator = operator
        self.error_type = error_type
        self.thrown = thrown
        self.source = source
        self.rule_name = rule_name


# ---------------------------------------------------------------------------------------------- engine


@functools.cache
def _engine() -> datalogic_py.Engine:
    # Created on first use (it costs microseconds); the engine is thread-safe and shared by every rule.
    return datalogic_py.Engine(families=RULE_FAMILIES, config={"ops_budget": MAX_RULE_OPERATIONS})


def _root_operator(text: str) -> str | None:
    rule = json.loads(text)
    return next(iter(rule)) if isinstance(rule, dict) and len(rule) == 1 else None


def _from_engine(exc: datalogic_py.DataLogicError, *, code: str, text: str | None = None) -> RuleError:
    error_type = getattr(exc, "error_type", None)
    path = getattr(exc, "path", None)
    pointer: str | None = None
    if path:
        step = path[-1]
        pointer = step.get("json_pointer") or None
        # The engine also reports "" when it lost track inside short-circuit operators (`and`, `or`, `if`);
        # "" is only believable when the failing operator is the rule's own.
        if pointer is None and text is not None and step.get("operator") == _root_operator(text):
            pointer = ""
    thrown: Any = None
    if error_type == "Thrown":
        match = _THROWN.match(str(exc))
        if match:
            try:
                thrown = json.loads(match["payload"])
            except ValueError:
                thrown = match["payload"]
    return RuleError(
        str(exc),
        code=code,
        pointer=pointer,
        operator=getattr(exc, "operator", None),
        error_type=error_type,
        thrown=thrown,
    )


# ---------------------------------------------------------------------------------------------- limits


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


# Tuples, not `X | Y` unions: isinstance is several times faster with them, and this runs on every compile.
_CONTAINERS: Final = (dict, list, tuple)
_SCALARS: Final = (str, int)  # bool is an int


def _shape_ok(rule: Any) -> bool:
    """The hot path of every `compile_rule`: is `rule` JSON within the depth and node limits? No detail."""
    if not isinstance(rule, _CONTAINERS):
        return _scalar_ok(rule)
    max_depth, max_nodes, containers, scalars = MAX_RULE_DEPTH, MAX_RULE_NODES, _CONTAINERS, _SCALARS
    stack: list[tuple[Any, int]] = [(rule, 1)]
    push, pop = stack.append, stack.pop
    nodes = 1
    while stack:
        container, depth = pop()
        if depth > max_depth:
            return False
        if isinstance(container, dict):
            for key in container:
                if not isinstance(key, str):
                    return False
            children: Any = container.values()
        else:
            children = container
        nodes += len(children)
        if nodes > max_nodes:
            return False
        for child in children:
            if isinstance(child, containers):
                push((child, depth + 1))
            elif not (child is None or isinstance(child, scalars) or _scalar_ok(child)):
                return False
    return True


def _scalar_ok(value: Any) -> bool:
    if value is None or isinstance(value, _SCALARS):  # bool is an int
        return True
    return isinstance(value, float) and math.isfinite(value)


def _check_shape(rule: Any) -> None:
    """Raise `RuleError` naming the first place where `rule` is not JSON or breaks the depth or node limit."""
    if _shape_ok(rule):
        return
    # Slow path, only for a bad rule: walk again keeping pointers (children pushed in reverse, so the first
    # problem reported is the first in document order). Like the fast walk it never recurses.
    stack: list[tuple[Any, int, str]] = [(rule, 0, "")]
    nodes = 0
    while stack:
        value, depth, pointer = stack.pop()
        nodes += 1
        if nodes > MAX_RULE_NODES:
            raise RuleError(f"rule has more than {MAX_RULE_NODES} nodes", pointer=pointer)
        if isinstance(value, dict | list | tuple) and depth + 1 > MAX_RULE_DEPTH:
            raise RuleError(f"rule is nested deeper than {MAX_RULE_DEPTH} levels", pointer=pointer)
        if isinstance(value, dict):
            children: list[tuple[Any, int, str]] = []
            for key, child in value.items():
                if not isinstance(key, str):
                    raise RuleError(f"object key {key!r} is not a string", pointer=pointer)
                children.append((child, depth + 1, f"{pointer}/{_escape(key)}"))
            stack.extend(reversed(children))
        elif isinstance(value, list | tuple):
            stack.extend((value[i], depth + 1, f"{pointer}/{i}") for i in reversed(range(len(value))))
        elif isinstance(value, float) and not math.isfinite(value):
            raise RuleError(f"{value} is not a JSON number", pointer=pointer)
        elif not _scalar_ok(value):
            raise RuleError(f"a {type(value).__name__} is not a JSON value", pointer=pointer)
    raise RuleError("rule is not a JSON value within the limits")  # unreachable while both walks agree


def _looks_like_json_text(text: str) -> bool:
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return False
    try:
        return isinstance(json.loads(stripped), dict | list)
    except (ValueError, RecursionError):
        return False


def canonical_rule_text(rule: Any) -> str:
    """The canonical JSON text of `rule` after the limit checks: what is compiled, and the cache key.

    A `str` rule is a JSON string literal (`"apple"` evaluates to "apple"). A `str` that is itself the JSON
    text of an object or array is refused as ambiguous: the caller almost certainly meant `json.loads` first.
    """
    if isinstance(rule, str) and _looks_like_json_text(rule):
        raise RuleError("rule is a str holding JSON text; pass the parsed rule (json.loads) instead", pointer="")
    _check_shape(rule)
    # sort_keys makes equal rules share one cache entry; key order carries no meaning in JSONLogic (an
    # operator object has exactly one key, and the engine refuses any other object as a rule).
    text = json.dumps(rule, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    if len(text) > MAX_RULE_BYTES // 4 and len(text.encode()) > MAX_RULE_BYTES:
        raise RuleError(f"rule is larger than {MAX_RULE_BYTES} bytes as JSON", pointer="")
    return text


# ---------------------------------------------------------------------------------------------- compile


class CompiledRule:
    """A rule compiled once; evaluate it as often as needed (thread-safe)."""

    __slots__ = ("_compiled", "text")

    def __init__(self, text: str, compiled: datalogic_py.Rule) -> None:
        self.text = text
        """The canonical JSON text the rule was compiled from."""
        self._compiled = compiled

    @property
    def rule(self) -> Any:
        """The rule as JSON data (a fresh copy)."""
        return json.loads(self.text)

    def evaluate(self, data: Mapping[str, Any] | Any = None, *, default: Any = NO_DEFAULT) -> Any:
        """Evaluate against `data`; on failure raise `RuleError`, or log it and return `default` if given."""
        # A bare str would be read as JSON text by the engine; we mean the string value.
        payload = json.dumps(data) if isinstance(data, str) else data
        try:
            return self._compiled.evaluate(payload)
        except datalogic_py.DataLogicError as exc:
            error = _from_engine(exc, code=EVALUATION_FAILED, text=self.text)
            if default is NO_DEFAULT:
                raise error from exc
            _log_default(error, self.text)
            return default

    def __repr__(self) -> str:
        shown = self.text if len(self.text) <= 80 else self.text[:77] + "..."
        return f"CompiledRule({shown})"


@functools.lru_cache(maxsize=RULE_CACHE_SIZE)
def _compile_text(text: str) -> CompiledRule:
    try:
        return CompiledRule(text, _engine().compile(text))
    except datalogic_py.DataLogicError as exc:
        raise _from_engine(exc, code=INVALID_RULE) from exc


def compile_rule(rule: Any) -> CompiledRule:
    """Check the limits of `rule` and compile it, once per distinct rule (LRU cache on the canonical text).

    Does not run the engine's static check: a rule with an unknown operator in a branch that is never taken
    still evaluates, as in every JSONLogic implementation. Rules are checked when saved (`validate_rule`).
    """
    return _compile_text(canonical_rule_text(rule))


def compile_cache_info() -> functools._CacheInfo:
    """Hits, misses and size of the compile cache."""
    return _compile_text.cache_info()


def clear_compile_cache() -> None:
    """Empty the compile cache (tests, and a rule set reload)."""
    _compile_text.cache_clear()


def validate_rule(rule: Any) -> None:
    """Refuse a rule that breaks a limit, that the engine's static check finds an error in, or that fails to
    compile. Warnings are not errors. Raises `RuleError` naming the first problem and where it is.
    """
    text = canonical_rule_text(rule)
    try:
        diagnostics = _engine().check(text)
    except datalogic_py.DataLogicError as exc:
        raise _from_engine(exc, code=INVALID_RULE) from exc
    errors = [d for d in diagnostics if d["severity"] == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise RuleError(
            f"{first['message']}{more}",
            pointer=first["pointer"],
            operator=first["operator"],
            error_type=first["code"],
        )
    _compile_text(text)  # also warms the cache for the evaluations that follow


# ---------------------------------------------------------------------------------------------- evaluate


def _log_default(error: RuleError, text: str | None) -> None:
    # Never log the data: it is a citizen's report. The rule is configuration; a digest identifies it.
    logger.warning(
        "rule failed, using the default: %s",
        error,
        extra={
            "rule_sha256": hashlib.sha256(text.encode()).hexdigest()[:16] if text is not None else None,
            "rule_error_code": error.code,
            "rule_error_type": error.error_type,
            "rule_pointer": error.pointer,
        },
    )


def evaluate(rule: Any, data: Mapping[str, Any] | Any = None, *, default: Any = NO_DEFAULT) -> Any:
    """Compile (cached) and evaluate `rule` against `data`.

    Without `default` any failure raises `RuleError`; with it, an invalid rule or a failed evaluation is
    logged on the "koban.rules" logger and `default` is returned (the safe default).
    """
    try:
        compiled = compile_rule(rule)
    except RuleError as error:
        if default is NO_DEFAULT:
            raise
        _log_default(error, None)
        return default
    return compiled.evaluate(data, default=default)


def truthy(value: Any) -> bool:
    """Whether `value` is truthy under the engine's JSONLogic rules (note: `{}` and `[]` are falsy)."""
    if isinstance(value, float) and math.isnan(value):
        return False  # as in JavaScript; JSON has no NaN to hand the engine
    try:
        return _engine().truthy(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError, RecursionError) as exc:
        raise RuleError(f"cannot judge the truthiness of a {type(value).__name__}: {exc}") from exc
    except datalogic_py.DataLogicError as exc:
        raise _from_engine(exc, code=INVALID_RULE) from exc


# ---------------------------------------------------------------------------------------------- files


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


@functools.cache
def _operator_names() -> frozenset[str]:
    names: set[str] = {"var"}  # `var` is an alias the operator list files under `val`
    for info in _engine().operators():
        names.add(info["name"])
        names.update(info["aliases"])
    return frozenset(names)


def load_rule_file(path: str | Path) -> dict[str, Any]:
    """Read a JSON file of named rules `{"name": rule, ...}` and validate every rule.

    A file holding a single rule (anything but an object, or an object whose one key is an operator, such as
    `{"if": [...]}`) is returned as `{<file stem>: rule}`. Duplicate keys are refused anywhere in the file:
    a second rule of the same name must not silently replace the first. Raises `RuleError` naming the file
    and, for a bad rule, the rule.
    """
    file = Path(path)
    source = str(file)
    try:
        content = json.loads(file.read_text(encoding="utf-8"), object_pairs_hook=_unique_keys)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RuleError(f"{source}: cannot read rules: {exc}", source=source) from exc
    single = not isinstance(content, dict) or (len(content) == 1 and next(iter(content)) in _operator_names())
    rules: dict[str, Any] = {file.stem: content} if single else content
    for name, rule in rules.items():
        try:
            validate_rule(rule)
        except RuleError as error:
            raise RuleError(
                f"{source}: rule {name!r}: {error.message}",
                code=error.code,
                pointer=error.pointer,
                operator=error.operator,
                error_type=error.error_type,
                source=source,
                rule_name=name,
            ) from error
    return rules
