"""Unit tests of `koban.rules`: the JSONLogic wrapper's limits, cache, errors and semantics."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from koban.errors import KobanError
from koban.rules import (
    EVALUATION_FAILED,
    INVALID_RULE,
    MAX_RULE_BYTES,
    MAX_RULE_DEPTH,
    MAX_RULE_NODES,
    RuleError,
    clear_compile_cache,
    compile_cache_info,
    compile_rule,
    evaluate,
    load_rule_file,
    truthy,
    validate_rule,
)


def nested(depth: int, leaf: Any = True) -> Any:
    """`{"!!": {"!!": ... leaf}}` with `depth` objects, built without recursion."""
    rule = leaf
    for _ in range(depth):
        rule = {"!!": rule}
    return rule


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    clear_compile_cache()


# ---------------------------------------------------------------------------------------------- limits


def test_a_rule_nested_10000_deep_is_refused_not_a_crash() -> None:
    # Given a rule nested 10,000 deep (the engine segfaults on such input; json.dumps overflows the stack)
    rule = nested(10_000)
    # When it is validated, compiled or evaluated
    # Then each refuses it with a RuleError naming the depth limit and where it was crossed
    with pytest.raises(RuleError, match="nested deeper than") as caught:
        validate_rule(rule)
    assert caught.value.code == INVALID_RULE
    assert caught.value.pointer == "/!!" * MAX_RULE_DEPTH
    with pytest.raises(RuleError):
        compile_rule(rule)
    assert evaluate(rule, {}, default="fallback") == "fallback"


def test_depth_limit_is_exact() -> None:
    # Given rules exactly at and one past the depth limit
    # When validated
    validate_rule(nested(MAX_RULE_DEPTH))
    # Then only the deeper one is refused
    with pytest.raises(RuleError, match="nested deeper"):
        validate_rule(nested(MAX_RULE_DEPTH + 1))


def test_deep_arrays_count_towards_depth() -> None:
    # Given a rule whose depth is in arrays, not operators
    deep_list: Any = 1
    for _ in range(MAX_RULE_DEPTH):
        deep_list = [deep_list]
    # When it is validated
    # Then the array levels are counted like object levels
    with pytest.raises(RuleError, match="nested deeper"):
        validate_rule({"merge": deep_list})


def test_a_self_containing_rule_is_refused() -> None:
    # Given a list that contains itself (no JSON can express it)
    loop: list[Any] = []
    loop.append(loop)
    # When validated
    # Then the bounded walk stops and refuses it
    with pytest.raises(RuleError):
        validate_rule({"merge": loop})


def test_node_limit() -> None:
    # Given a flat rule with more values than the node limit, and one just under it
    too_many = {"+": [1] * MAX_RULE_NODES}
    enough = {"+": [1] * (MAX_RULE_NODES - 2)}
    # When validated
    # Then only the larger is refused
    with pytest.raises(RuleError, match=f"more than {MAX_RULE_NODES} nodes"):
        validate_rule(too_many)
    validate_rule(enough)
    assert evaluate(enough, {}) == MAX_RULE_NODES - 2


def test_size_limit() -> None:
    # Given a rule of three nodes whose JSON text is larger than the size limit
    rule = {"cat": ["x" * MAX_RULE_BYTES]}
    # When validated
    # Then it is refused for its size
    with pytest.raises(RuleError, match=f"larger than {MAX_RULE_BYTES} bytes"):
        validate_rule(rule)


def test_size_limit_counts_utf8_bytes() -> None:
    # Given a rule under the limit in characters but over it in UTF-8 bytes (each "ł" is two bytes)
    rule = {"cat": ["ł" * (MAX_RULE_BYTES // 2)]}
    # When validated
    # Then it is refused
    with pytest.raises(RuleError, match="larger than"):
        validate_rule(rule)


@pytest.mark.parametrize(
    ("rule", "pointer"),
    [
        pytest.param({"in": [{"var": "a"}, {"x", "y"}]}, "/in/1", id="set"),
        pytest.param({"+": [1, float("nan")]}, "/+/1", id="nan"),
        pytest.param({"+": [1, float("inf")]}, "/+/1", id="infinity"),
        pytest.param({"var": b"a"}, "/var", id="bytes"),
        pytest.param({"if": [{1: "a"}, 1, 2]}, "/if/0", id="non-str-key"),
    ],
)
def test_values_json_cannot_hold_are_refused_with_their_place(rule: Any, pointer: str) -> None:
    # Given a rule holding something that is not a JSON value
    # When validated
    # Then the RuleError points at it
    with pytest.raises(RuleError) as caught:
        validate_rule(rule)
    assert caught.value.pointer == pointer


# ---------------------------------------------------------------------------------------------- compile


def test_the_same_rule_is_compiled_once() -> None:
    # Given one rule, written twice with its keys in a different order
    first = {"if": [{"var": "a"}, {"cat": ["x", "y"]}, "z"]}
    second = json.loads(json.dumps(first))
    # When compiled twice
    one = compile_rule(first)
    two = compile_rule(second)
    # Then the second compile is a cache hit returning the same compiled rule
    info = compile_cache_info()
    assert (info.misses, info.hits, info.currsize) == (1, 1, 1)
    assert one is two


def test_a_rule_mutated_after_compiling_is_a_new_cache_entry() -> None:
    # Given a compiled rule, then the same dict changed in place
    rule: dict[str, Any] = {"==": [{"var": "a"}, 1]}
    before = compile_rule(rule)
    rule["=="][1] = 2
    # When compiled again
    after = compile_rule(rule)
    # Then the cache is keyed by content, not identity: the new content gets its own compiled rule
    assert before is not after
    assert after.evaluate({"a": 2}) is True
    assert before.evaluate({"a": 2}) is False


def test_validation_warms_the_cache() -> None:
    # Given a rule validated when an admin saved it
    rule = {">": [{"var": "priority"}, 2]}
    validate_rule(rule)
    # When it is compiled for evaluation
    compile_rule(rule)
    # Then no second compile happens
    assert compile_cache_info().misses == 1


# ---------------------------------------------------------------------------------------------- errors


def test_unknown_operator_gives_a_rule_error_with_pointer() -> None:
    # Given a rule with an unknown operator inside `and`
    rule = {"and": [{"var": "a"}, {"frobnicate": [1, 2]}]}
    # When validated
    with pytest.raises(RuleError) as caught:
        validate_rule(rule)
    # Then the error names the operator and points at it
    error = caught.value
    assert isinstance(error, KobanError)
    assert error.code == INVALID_RULE
    assert error.pointer == "/and/1"
    assert error.operator == "frobnicate"
    assert "frobnicate" in str(error)
    assert "/and/1" in str(error)


def test_unknown_operator_in_the_branch_taken_fails_evaluation() -> None:
    # Given an unvalidated rule with an unknown operator in the branch that will run
    rule = {"if": [{"var": "night"}, {"frobnicate": 1}, "day"]}
    # When evaluated (compile alone accepts it, as JSONLogic engines do)
    assert evaluate(rule, {"night": False}) == "day"
    with pytest.raises(RuleError) as caught:
        evaluate(rule, {"night": True})
    # Then it is an evaluation failure, naming the operator
    assert caught.value.code == EVALUATION_FAILED
    assert caught.value.operator == "frobnicate"


def test_wrong_argument_count_is_refused_at_validation() -> None:
    # Given a comparison with one argument
    # When validated
    # Then the static check refuses it
    with pytest.raises(RuleError, match="at least 2 arguments") as caught:
        validate_rule({"or": [True, {"==": [1]}]})
    assert caught.value.pointer == "/or/1"


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param({"zeros": [[16384, 16384], "f32"]}, id="tensor-allocates-a-gigabyte"),
        pytest.param({"now": []}, id="datetime-now"),
        pytest.param({"upper": "a"}, id="ext-string"),
    ],
)
def test_operator_families_outside_the_dialect_are_refused(rule: Any) -> None:
    # Given a rule using an operator family the project leaves out
    # When validated
    # Then it is an unknown operator
    with pytest.raises(RuleError, match="unknown operator"):
        validate_rule(rule)


def test_runaway_evaluation_stops_at_the_operation_budget() -> None:
    # Given a quadratic rule (a map inside a map over the same data array) and a large array
    rule = {"map": [{"var": "xs"}, {"map": [{"val": [[2], "xs"]}, 1]}]}
    # When evaluated
    with pytest.raises(RuleError) as caught:
        evaluate(rule, {"xs": list(range(2_000))})
    # Then the budget stops it
    assert caught.value.error_type == "BudgetExceeded"
    assert caught.value.code == EVALUATION_FAILED


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param({"/": [0, 0]}, id="zero-by-zero"),
        pytest.param({"+": ["abc"]}, id="plus-text"),
        pytest.param({"*": [{"var": "n"}, 2]}, id="times-text"),
    ],
)
def test_nan_producing_operations_raise_a_rule_error(rule: Any) -> None:
    # Given arithmetic that would produce NaN
    # When evaluated
    with pytest.raises(RuleError) as caught:
        evaluate(rule, {"n": "many"})
    # Then it is an evaluation error carrying the thrown {"type": "NaN"}, not a NaN result
    assert caught.value.code == EVALUATION_FAILED
    assert caught.value.thrown == {"type": "NaN"}
    # And with a default it is that default
    assert evaluate(rule, {"n": "many"}, default=0) == 0


def test_thrown_values_reach_the_error() -> None:
    # Given a rule that throws its own error type
    # When evaluated
    with pytest.raises(RuleError) as caught:
        evaluate({"if": [{"var": "blocked"}, {"throw": "Not allowed"}, "ok"]}, {"blocked": True})
    # Then the thrown value is on the RuleError
    assert caught.value.thrown == {"type": "Not allowed"}
    # And `try` catches it inside the rule
    assert evaluate({"try": [{"throw": "x"}, "recovered"]}, {}) == "recovered"


def test_default_is_returned_and_logged_without_the_data(caplog: pytest.LogCaptureFixture) -> None:
    # Given a failing rule and a citizen's report as data
    rule = {"/": [{"var": "count"}, 0]}
    report = {"count": 0, "description": "my neighbour Jan Kowalski"}
    # When evaluated with a safe default
    with caplog.at_level(logging.WARNING, logger="koban.rules"):
        result = evaluate(rule, report, default="normal")
    # Then the default is returned
    assert result == "normal"
    # And the failure is logged on "koban.rules", without the report's content
    records = [r for r in caplog.records if r.name == "koban.rules"]
    assert len(records) == 1
    assert "NaN" in records[0].getMessage()
    assert "Kowalski" not in caplog.text
    assert records[0].__dict__["rule_error_code"] == EVALUATION_FAILED


def test_default_covers_an_invalid_rule_too() -> None:
    # Given a rule that cannot be compiled (an object with two keys is no operator)
    rule = {"a": 1, "b": 2}
    # When evaluated with and without a default
    # Then the default is returned, or a RuleError raised
    assert evaluate(rule, {}, default=None) is None
    with pytest.raises(RuleError):
        evaluate(rule, {})


def test_compiled_rule_error_chains_the_engine_exception() -> None:
    # Given a compiled rule that fails
    compiled = compile_rule({"%": [1, 0]})
    # When evaluated
    with pytest.raises(RuleError) as caught:
        compiled.evaluate({})
    # Then the engine's exception is kept as the cause, for debugging
    assert caught.value.__cause__ is not None


# ---------------------------------------------------------------------------------------------- values


def test_data_given_as_a_str_is_a_string_value() -> None:
    # Given data that is a bare str (the engine alone would parse it as JSON text and fail)
    # When evaluated
    # Then it is the string value
    assert evaluate({"var": ""}, "abc") == "abc"
    assert evaluate({"cat": [{"var": ""}, "!"]}, "abc") == "abc!"
    assert evaluate({"in": ["b", {"var": ""}]}, "abc") is True


def test_data_given_as_json_looking_str_is_still_a_string_value() -> None:
    # Given data that is a str holding JSON text
    # When evaluated
    # Then it is not parsed: it is the string itself
    assert evaluate({"var": ""}, '{"a": 1}') == '{"a": 1}'


def test_str_rule_is_a_string_literal() -> None:
    # Given a rule that is a plain str, as in the official suite ("apple" -> "apple")
    # When evaluated
    # Then it is the JSON string literal
    assert evaluate("apple", {}) == "apple"
    assert compile_rule("apple").text == '"apple"'


def test_str_rule_holding_json_text_is_refused_as_ambiguous() -> None:
    # Given a rule passed as the JSON text of a rule instead of the parsed rule
    # When compiled
    # Then it is refused with advice rather than silently being a string literal
    with pytest.raises(RuleError, match=r"json\.loads"):
        compile_rule('{"var": "a"}')


def test_missing_semantics() -> None:
    # Given a rule listing the required fields of a report
    rule = {"missing": ["category", "location.lat", "location.lon"]}
    # When the report lacks some
    # Then exactly those are listed, in the order asked, with dotted paths looked up
    assert evaluate(rule, {"category": "noise", "location": {"lat": 52.4}}) == ["location.lon"]
    assert evaluate(rule, {"category": "noise", "location": {"lat": 52.4, "lon": 4.9}}) == []
    assert evaluate({"missing_some": [1, ["email", "phone"]]}, {"phone": "+48"}) == []
    assert evaluate({"missing_some": [1, ["email", "phone"]]}, {}) == ["email", "phone"]


def test_missing_treats_null_and_empty_string_as_present() -> None:
    # Given data with a key present as null or "" (json-logic-js would call both missing)
    data = {"a": None, "b": ""}
    # When `missing` asks for them
    # Then datalogic reports neither: strip None from report data before evaluating if that matters
    assert evaluate({"missing": ["a", "b", "c"]}, data) == ["c"]


def test_missing_hour_compares_as_if_it_were_zero() -> None:
    # Given a night rule that forgets to test for a missing hour
    naive = {"<": [{"var": "hour"}, 6]}
    # When the hour is missing
    # Then it is true, as in JavaScript (null < 6): the trap DESIGN.md warns about
    assert evaluate(naive, {}) is True
    # And the safe form tests `missing` explicitly
    safe = {"and": [{"!": {"missing": ["hour"]}}, {"<": [{"var": "hour"}, 6]}]}
    assert evaluate(safe, {}) is False
    assert evaluate(safe, {"hour": 3}) is True


NIGHT = {
    "if": [
        {"missing": ["hour"]},
        "unknown",
        {"or": [{">=": [{"var": "hour"}, 22]}, {"<": [{"var": "hour"}, 6]}]},
        "night",
        "day",
    ]
}


@pytest.mark.parametrize(
    ("occurred_at_utc", "timezone", "expected"),
    [
        # 22:30 UTC is 23:30 in Warsaw (CET, UTC+1 in November): night
        ("2026-11-21T22:30:00+00:00", "Europe/Warsaw", "night"),
        # 20:30 UTC is 21:30 in Warsaw: still day
        ("2026-11-21T20:30:00+00:00", "Europe/Warsaw", "day"),
        # 21:30 UTC is 23:30 in Helsinki (EET, UTC+2): night, where Lisbon (UTC+0) says day
        ("2026-11-21T21:30:00+00:00", "Europe/Helsinki", "night"),
        ("2026-11-21T21:30:00+00:00", "Europe/Lisbon", "day"),
        # 05:59 local in Madrid is night; 06:00 is day
        ("2026-11-21T04:59:00+00:00", "Europe/Madrid", "night"),
        ("2026-11-21T05:00:00+00:00", "Europe/Madrid", "day"),
    ],
)
def test_time_of_day_rule_uses_the_tenants_local_hour(occurred_at_utc: str, timezone: str, expected: str) -> None:
    # Given a report's time and its tenant's time zone
    local = dt.datetime.fromisoformat(occurred_at_utc).astimezone(ZoneInfo(timezone))
    # When the night rule is evaluated on the local hour
    result = evaluate(NIGHT, {"hour": local.hour})
    # Then it classifies the local time of day
    assert result == expected


def test_time_of_day_rule_without_hour_is_unknown() -> None:
    # Given a report with no time
    # When the night rule is evaluated
    # Then it says unknown rather than "night"
    assert evaluate(NIGHT, {}) == "unknown"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (None, False),
        (0, False),
        (0.0, False),
        (-1, True),
        ("", False),
        ("0", True),
        ("false", True),
        ([], False),
        ([0], True),
        ({}, False),  # falsy in datalogic; json-logic-js says truthy: do not write rules that rely on it
        ({"a": 1}, True),
        (float("nan"), False),
    ],
)
def test_truthy(value: Any, expected: bool) -> None:
    # Given a JSON value; When judged; Then JSONLogic truthiness (as datalogic implements it) applies
    assert truthy(value) is expected


def test_truthy_refuses_non_json_values() -> None:
    # Given a value that is not JSON; When judged; Then a RuleError, not a TypeError
    with pytest.raises(RuleError):
        truthy(object())


# ---------------------------------------------------------------------------------------------- files


def write(path: Path, content: str) -> Path:
    path.write_text(content, encoding="utf-8")
    return path


def test_load_named_rules(tmp_path: Path) -> None:
    # Given a file of named rules
    rules = {
        "night": NIGHT,
        "priority": {"if": [{"in": [{"var": "category"}, ["violence", "hate"]]}, "high", "normal"]},
    }
    path = write(tmp_path / "triage.json", json.dumps(rules))
    # When loaded
    loaded = load_rule_file(path)
    # Then every rule is there, validated and ready to evaluate
    assert loaded == rules
    assert evaluate(loaded["priority"], {"category": "hate"}) == "high"


def test_load_a_single_rule_file_names_it_after_the_file(tmp_path: Path) -> None:
    # Given a file holding one rule
    path = write(tmp_path / "visibility.json", json.dumps({"==": [{"var": "channel"}, "app"]}))
    # When loaded
    # Then it is named after the file
    assert load_rule_file(path) == {"visibility": {"==": [{"var": "channel"}, "app"]}}


def test_load_names_the_file_and_the_bad_rule(tmp_path: Path) -> None:
    # Given a file with one good and one bad rule
    path = write(tmp_path / "routing.json", json.dumps({"ok": {"var": "a"}, "broken": {"and": [{"nope": 1}]}}))
    # When loaded
    with pytest.raises(RuleError) as caught:
        load_rule_file(path)
    # Then the error names the file, the rule and the place in it
    error = caught.value
    assert str(path) in str(error)
    assert "'broken'" in str(error)
    assert error.rule_name == "broken"
    assert error.source == str(path)
    assert error.pointer == "/and/0"


def test_load_refuses_duplicate_rule_names(tmp_path: Path) -> None:
    # Given a file where a rule name appears twice (json would silently keep the last)
    path = write(tmp_path / "dup.json", '{"night": {"var": "a"}, "night": {"var": "b"}}')
    # When loaded
    # Then it is refused
    with pytest.raises(RuleError, match="duplicate key 'night'"):
        load_rule_file(path)


@pytest.mark.parametrize("content", ["{not json", "[" * 100_000 + "]" * 100_000])
def test_load_refuses_unreadable_files(tmp_path: Path, content: str) -> None:
    # Given a file that is not JSON, or JSON nested too deep to parse
    path = write(tmp_path / "bad.json", content)
    # When loaded
    # Then a RuleError names the file
    with pytest.raises(RuleError, match=r"bad\.json"):
        load_rule_file(path)


def test_load_missing_file(tmp_path: Path) -> None:
    # Given no file; When loaded; Then a RuleError names it
    with pytest.raises(RuleError, match=r"absent\.json"):
        load_rule_file(tmp_path / "absent.json")
