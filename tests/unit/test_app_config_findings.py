"""What stops an app configuration from being published: every finding, at its JSON path, all at once.

Documents start from a pilot's default configuration (derived from the tenant and its taxonomy, as `koban serve`
publishes it) and are broken one way at a time, then many ways at once.
"""

from __future__ import annotations

import copy
import time
import unicodedata
from typing import Any

import pytest
from pydantic import ValidationError

from koban.app_config.checks import document_findings
from koban.app_config.colours import AA_NORMAL_TEXT, contrast_ratio
from koban.app_config.cost import LONGEST_ANSWER
from koban.app_config.defaults import DEFAULT_COLOURS, default_document
from koban.app_config.findings import Finding, Severity, blocking, schema_findings
from koban.app_config.models import CONTRAST_PAIRS, document_model
from koban.app_config.modules import AppQuestion
from koban.app_config.registry import module_types
from koban.tenants.models import Question
from koban.tenants.service import get_tenant, list_categories
from tests.unit.test_app_config_modules import BUILTIN

PILOTS = ["pilot-nl", "pilot-pl", "pilot-fi", "pilot-es", "pilot-pt", "pilot-be"]


def default(tenant_id: str = "pilot-nl") -> dict[str, Any]:
    tenant = get_tenant(tenant_id)
    return copy.deepcopy(default_document(tenant, list_categories(tenant), module_types(tenant)))


def findings(document: dict[str, Any], tenant_id: str = "pilot-nl") -> list[Finding]:
    """Schema findings if the document breaks its schema, else every other finding."""
    tenant = get_tenant(tenant_id)
    types = module_types(tenant)
    try:
        validated = document_model(types).model_validate(document)
    except ValidationError as error:
        return schema_findings(error, types)
    return document_findings(validated, tenant, {c.code: c for c in list_categories(tenant)}, types)


def found(document: dict[str, Any], tenant_id: str = "pilot-nl") -> set[tuple[str, str]]:
    return {(finding.code, finding.as_dict()["path"]) for finding in findings(document, tenant_id)}


def position(document: dict[str, Any], module_type: str) -> int:
    return next(index for index, module in enumerate(document["modules"]) if module["type"] == module_type)


def report_category(document: dict[str, Any], code: str) -> tuple[int, int, dict[str, Any]]:
    module = position(document, "report")
    categories = document["modules"][module]["settings"]["categories"]
    index = next(i for i, category in enumerate(categories) if category["code"] == code)
    return module, index, categories[index]


def question(code: str, kind: str = "boolean", **more: Any) -> dict[str, Any]:
    return {"code": code, "type": kind, "label": {"nl": f"Vraag {code}", "en": f"Question {code}"}, **more}


# ---------------------------------------------------------------------------------------------- defaults


@pytest.mark.parametrize("tenant_id", PILOTS)
def test_given_a_pilot_when_its_default_configuration_is_checked_then_it_is_publishable(tenant_id: str) -> None:
    """Given the default configuration derived from a pilot, then it passes its schema with no finding at all,
    in the pilot's languages that the built-in texts cover, with every built-in module."""
    document = default(tenant_id)

    assert findings(document, tenant_id) == []
    tenant = get_tenant(tenant_id)
    assert document["languages"]["enabled"] == [lang for lang in tenant.languages if lang not in ("sv", "uk")]
    assert document["languages"]["default"] == tenant.languages[0]
    assert [module["type"] for module in document["modules"]] == BUILTIN
    categories = document["modules"][1]["settings"]["categories"]
    assert [category["code"] for category in categories] == [c.code for c in list_categories(tenant)]


def test_given_the_default_theme_then_every_text_pair_reaches_aa_with_room_to_spare() -> None:
    ratios = {
        foreground: contrast_ratio(DEFAULT_COLOURS[foreground], DEFAULT_COLOURS[background])
        for foreground, background, _ in CONTRAST_PAIRS
    }

    assert min(ratios.values()) >= 6.5 > AA_NORMAL_TEXT
    assert ratios["text"] == pytest.approx(17.17, abs=0.01)


# ---------------------------------------------------------------------------------------------- contrast


def test_given_grey_text_on_white_when_checked_then_contrast_below_aa_is_found_with_its_ratio() -> None:
    document = default()
    document["theme"]["colours"]["text"] = "#999999"

    [finding] = findings(document)

    assert (finding.code, finding.as_dict()["path"], finding.as_dict()["pointer"]) == (
        "contrast_too_low",
        "theme.colours.text",
        "/theme/colours/text",
    )
    assert "2.84:1" in finding.message
    assert "4.5:1" in finding.message
    assert finding.severity is Severity.ERROR


def test_given_a_button_colour_equal_to_its_text_when_checked_then_each_broken_pair_is_found() -> None:
    document = default()
    colours = document["theme"]["colours"]
    colours.update(on_primary=colours["primary"], on_danger="#ff6666", danger="#ffffff")

    assert found(document) == {
        ("contrast_too_low", "theme.colours.on_primary"),
        ("contrast_too_low", "theme.colours.on_danger"),
    }


def test_given_a_ratio_of_four_and_a_half_exactly_then_it_passes() -> None:
    document = default()
    document["theme"]["colours"]["text"] = "#767676"  # 4.54:1 on white

    assert findings(document) == []


# ---------------------------------------------------------------------------------------------- languages, strings


def test_given_an_added_language_when_checked_then_every_text_lacking_it_is_found() -> None:
    """Given pilot-nl's default with Finnish enabled but not written, then every translated text of the
    document is found lacking 'fi' at its own path, and so is each question of the city's own categories whose
    texts (from the taxonomy) have no Finnish; nothing else is found."""
    document = default()
    document["languages"]["enabled"].append("fi")

    result = findings(document)

    assert {finding.code for finding in result} == {"translation_missing"}
    paths = [finding.as_dict()["path"] for finding in result]
    assert all(path.endswith(".fi") or "'fi'" in finding.message for path, finding in zip(paths, result, strict=True))
    assert "name.fi" in paths
    assert "strings.report.submit.fi" in paths
    assert f"modules.{position(document, 'survey')}.settings.questions.0.label.fi" in paths
    module, index, _ = report_category(document, "youth_nuisance")  # pilot-nl's own category, in nl and en
    assert f"modules.{module}.settings.categories.{index}.questions" in paths


def test_given_a_language_the_taxonomy_lacks_when_checked_then_the_inherited_names_are_found_too() -> None:
    """Given Italian enabled for pilot-fi, whose taxonomy has no Italian, then each category's inherited name
    is found at the place where the app can give it, and giving it there clears that finding."""
    document = default("pilot-fi")
    document["languages"]["enabled"].append("it")
    module, index, category = report_category(document, "noise_night")

    before = found(document, "pilot-fi")
    category["name"] = {"fi": "Yömeteli", "en": "Noise at night", "it": "Rumore notturno"}
    after = found(document, "pilot-fi")

    where = f"modules.{module}.settings.categories.{index}.name.it"
    assert ("translation_missing", where) in before
    assert ("translation_missing", where) not in after


def test_given_a_default_language_not_enabled_and_a_repeated_one_when_checked_then_both_are_found() -> None:
    document = default()
    document["languages"] = {"default": "de", "enabled": ["nl", "en", "nl"]}

    result = found(document)

    assert ("language_default_not_enabled", "languages.default") in result
    assert ("duplicate_code", "languages.enabled.2") in result


def test_given_a_string_the_app_needs_is_deleted_when_checked_then_it_is_found() -> None:
    document = default()
    del document["strings"]["report.submit"]

    assert found(document) == {("string_missing", "strings.report.submit")}


# ---------------------------------------------------------------------------------------------- conditions


def with_condition(rule: Any, on: str = "noise_night", **more: Any) -> tuple[dict[str, Any], str]:
    """pilot-nl's default with one app question on category `on`, shown when `rule` holds; its path."""
    document = default()
    module, index, category = report_category(document, on)
    category["questions"] = [question("extra", visible_if=rule, **more)]
    return document, f"modules.{module}.settings.categories.{index}.questions.0"


def test_given_a_condition_over_the_category_answers_when_checked_then_it_is_accepted() -> None:
    rule = {"and": [{"==": [{"var": "answers.noise_source"}, "music"]}, {"!": {"missing": ["answers.ongoing"]}}]}
    document, _ = with_condition(rule, required_if={"==": [{"var": "platform"}, "ios"]})

    assert findings(document) == []


@pytest.mark.parametrize(
    ("rule", "code", "where"),
    [
        ({"frobnicate": [1, 2]}, "rule_invalid", ""),
        ({"==": [{"var": "answers.noise_sorce"}, "music"]}, "rule_unknown_field", ".==.0.var"),
        ({"missing": ["answers.ongoing", "answers.colour"]}, "rule_unknown_field", ".missing"),
        ({"var": {"cat": ["answers.", "ongoing"]}}, "rule_unknown_field", ".var"),
        ({"var": ""}, "rule_unknown_field", ".var"),
        ({"??": [{"var": "answers.ongoing"}, False]}, "rule_operator_not_in_apps", ".??"),
        ({"if": [{"exists": "answers.ongoing"}, True, False]}, "rule_operator_not_in_apps", ".if.0.exists"),
    ],
)
def test_given_a_condition_that_apps_cannot_evaluate_as_written_when_checked_then_it_is_found_where_it_is(
    rule: Any, code: str, where: str
) -> None:
    document, path = with_condition(rule)

    result = found(document)

    assert (code, f"{path}.visible_if{where}") in result, result


def test_given_a_condition_filtering_a_list_answer_then_element_fields_are_not_mistaken_for_answers() -> None:
    rule = {"some": [{"var": "answers.waste_type"}, {"==": [{"var": ""}, "furniture"]}]}
    document, _ = with_condition(rule, on="illegal_dumping")

    assert findings(document) == []


DOUBLING = {"reduce": [list(range(40)), {"merge": [{"var": "accumulator"}, {"var": "accumulator"}]}, [1]]}


@pytest.mark.parametrize(
    ("rule", "where"),
    [
        (DOUBLING, ".reduce.1"),
        ({"reduce": [list(range(40)), {"cat": [{"var": "accumulator"}, {"var": "accumulator"}]}, "ab"]}, ".reduce.1"),
        # the bomb waits in a branch that only some answers take
        ({"if": [{"in": ["sofa", {"var": "answers.waste_type"}]}, DOUBLING, False]}, ".if.1.reduce.1"),
        # every selected waste type against every selected waste type, in turn against each of them
        (
            {"some": [{"var": "answers.waste_type"}, {"some": [{"var": "answers.waste_type"}, {"all": [[1], True]}]}]},
            ".some",
        ),
        ({"map": [{"var": "answers.waste_type"}, {"merge": [[{"var": ""}], {"var": "answers.waste_type"}]}]}, ".map"),
        # an accumulator that keeps growing over an answer's characters
        ({"reduce": [{"var": "answers.waste_type"}, {"cat": [{"var": "accumulator"}, "xx"]}, ""]}, ".reduce.1"),
    ],
)
def test_given_a_condition_whose_evaluation_explodes_for_some_answers_then_it_is_found_where_it_grows(
    rule: Any, where: str
) -> None:
    # Given a condition within every limit on its text, which json-logic-js (no operation budget) would run
    document, path = with_condition(rule, on="illegal_dumping")

    result = findings(document)

    # Then publishing is refused at the operator whose cost has no bound an app can bear
    assert [(finding.code, finding.as_dict()["path"]) for finding in result] == [
        ("rule_too_costly", f"{path}.visible_if{where}")
    ]
    assert "residents' apps" in result[0].message


@pytest.mark.parametrize(
    "rule",
    [
        {"some": [{"var": "answers.waste_type"}, {"in": [{"var": ""}, ["furniture", "chemicals"]]}]},
        {"reduce": [{"var": "answers.waste_type"}, {"+": [{"var": "accumulator"}, 1]}, 0]},
        {">": [{"reduce": [[1, 2, 3], {"+": [{"var": "accumulator"}, {"var": "current"}]}, 0]}, 2]},
        {"in": ["sofa", {"cat": [{"var": "answers.waste_type"}, " ", {"substr": [{"var": "category"}, 0, 5]}]}]},
        {"filter": [{"merge": [{"var": "answers.waste_type"}, ["x"]]}, {"!=": [{"var": ""}, "x"]}]},
    ],
)
def test_given_a_condition_whose_cost_is_bounded_for_every_answer_then_it_passes(rule: Any) -> None:
    document, _ = with_condition(rule, on="illegal_dumping")

    assert findings(document) == []


def test_given_reduces_nested_too_deeply_to_bound_then_the_estimate_gives_up_quickly_with_a_finding() -> None:
    # Given an accumulator growing cheaply (wrapped in an array) in a reduce over an answer inside another one:
    # bounding it means following thousands of steps for each of thousands of steps
    rule: Any = [{"var": "accumulator"}]
    for _ in range(2):
        rule = {"reduce": [{"var": "answers.waste_type"}, rule, []]}
    document, _ = with_condition(rule, on="illegal_dumping")
    started = time.monotonic()

    result = findings(document)

    assert [finding.code for finding in result] == ["rule_too_costly"]
    assert "cannot be bounded" in result[0].message
    assert time.monotonic() - started < 5


def test_the_longest_answer_the_cost_bound_assumes_is_the_longest_any_question_accepts() -> None:
    def longest(field: Any) -> int:
        return min(int(getattr(meta, "le", 10**9)) for meta in field.metadata)

    assert longest(AppQuestion.model_fields["max_length"]) == LONGEST_ANSWER
    assert longest(Question.model_fields["max_length"]) == LONGEST_ANSWER


def test_given_questions_shown_only_after_each_others_answers_when_checked_then_the_cycle_is_found() -> None:
    document = default()
    module, index, category = report_category(document, "noise_night")
    category["questions"] = [
        question("first", visible_if={"var": "answers.second"}),
        question("second", visible_if={"var": "answers.first"}),
        question("alone", visible_if={"==": [{"var": "answers.alone"}, True]}),
    ]

    result = found(document)

    base = f"modules.{module}.settings.categories.{index}.questions"
    assert ("rule_cycle", f"{base}.0.visible_if") in result
    assert ("rule_cycle", f"{base}.2.visible_if") in result
    assert {code for code, _ in result} == {"rule_cycle"}


def test_given_survey_conditions_then_they_are_checked_against_the_survey_answers() -> None:
    document = default()
    survey = position(document, "survey")
    document["modules"][survey]["settings"]["questions"][3]["visible_if"] = {"var": "answers.noise_source"}

    assert found(document) == {
        ("rule_unknown_field", f"modules.{survey}.settings.questions.3.visible_if.var"),
    }


# ---------------------------------------------------------------------------------------------- the tenant


def test_given_categories_the_tenant_does_not_have_when_checked_then_each_is_found() -> None:
    document = default()
    report = position(document, "report")
    alerts = position(document, "area_alerts")
    document["modules"][report]["settings"]["categories"].append({"code": "drone_noise"})
    document["modules"][alerts]["settings"]["categories"] = ["noise_night", "unicorn_sighting"]
    last = len(document["modules"][report]["settings"]["categories"]) - 1

    assert found(document) == {
        ("unknown_category", f"modules.{report}.settings.categories.{last}.code"),
        ("unknown_category", f"modules.{alerts}.settings.categories.1"),
    }


def test_given_another_forces_own_category_when_checked_then_it_is_unknown_here() -> None:
    """Given pilot-be's app offering pilot-nl's canal category, then it is found: reports for it would be refused."""
    document = default("pilot-be")
    report = position(document, "report")
    document["modules"][report]["settings"]["categories"].append({"code": "boat_nuisance"})
    last = len(document["modules"][report]["settings"]["categories"]) - 1

    [finding] = findings(document, "pilot-be")

    assert (finding.code, finding.as_dict()["path"]) == (
        "unknown_category",
        f"modules.{report}.settings.categories.{last}.code",
    )
    assert finding.message == "pilot-be has no category 'boat_nuisance'"


def test_given_a_team_unit_the_tenant_does_not_have_when_checked_then_it_is_found() -> None:
    document = default()
    team = position(document, "neighbourhood_team")
    document["modules"][team]["settings"]["unit"] = "riot_squad"

    [finding] = findings(document)

    assert (finding.code, finding.as_dict()["path"]) == ("unknown_unit", f"modules.{team}.settings.unit")
    assert "neighbourhood_team" in finding.message  # the units there are are named


def test_given_app_questions_that_contradict_the_taxonomy_when_checked_then_reports_would_be_refused() -> None:
    """Given replacements of noise_night's own questions (noise_source is a required single choice), then a
    changed type, an unknown option and a weakened requirement are each found."""
    document = default()
    module, index, category = report_category(document, "noise_night")
    options = [{"code": "music", "label": {"nl": "Muziek", "en": "Music"}}]
    category["questions"] = [
        question("noise_source", "singlevaluelist", required=True, options=[*options, {**options[0], "code": "drums"}]),
        question("ongoing", "string"),
    ]
    weakened = copy.deepcopy(document)
    weakened_category = report_category(weakened, "noise_night")[2]
    weakened_category["questions"] = [question("noise_source", "singlevaluelist", options=options)]

    base = f"modules.{module}.settings.categories.{index}.questions"
    assert found(document) == {
        ("option_unknown", f"{base}.0.options.1.code"),
        ("question_type_changed", f"{base}.1.type"),
        ("question_requirement_weakened", f"{base}.1.required"),  # `ongoing` is required by the taxonomy too
    }
    assert found(weakened) == {("question_requirement_weakened", f"{base}.0.required")}


def test_given_the_taxonomys_questions_left_out_when_a_required_one_is_among_them_then_it_is_found() -> None:
    document = default()
    module, index, category = report_category(document, "noise_night")
    category["include_tenant_questions"] = False

    assert found(document) == {
        ("required_question_missing", f"modules.{module}.settings.categories.{index}.questions"),
    }


def test_given_codes_listed_twice_when_checked_then_each_repetition_is_found() -> None:
    document = default()
    report = position(document, "report")
    safety = position(document, "safety_info")
    document["modules"][report]["settings"]["categories"].append({"code": "noise_night"})
    articles = document["modules"][safety]["settings"]["articles"]
    articles.append(copy.deepcopy(articles[0]))
    document["modules"].append(copy.deepcopy(document["modules"][0]))
    module, index, category = report_category(document, "graffiti_vandalism")
    option = {"code": "aa", "label": {"nl": "A", "en": "A"}}
    category["questions"] = [
        question("extra", "singlevaluelist", options=[option, option]),
        question("extra"),
    ]

    result = found(document)

    last_category = len(document["modules"][report]["settings"]["categories"]) - 1
    base = f"modules.{module}.settings.categories.{index}.questions"
    assert result == {
        ("duplicate_code", f"modules.{report}.settings.categories.{last_category}.code"),
        ("duplicate_code", f"modules.{safety}.settings.articles.{len(articles) - 1}.id"),
        ("duplicate_code", f"modules.{len(document['modules']) - 1}.id"),
        ("duplicate_code", f"{base}.1.code"),
        ("duplicate_code", f"{base}.0.options.1.code"),
    }


def test_given_no_enabled_module_then_it_is_found_and_a_missing_112_button_is_a_warning_only() -> None:
    nothing = default()
    for module in nothing["modules"]:
        module["enabled"] = False
    no_emergency = default()
    no_emergency["modules"] = [m for m in no_emergency["modules"] if m["type"] != "emergency"]

    assert found(nothing) == {("no_enabled_module", "modules"), ("emergency_missing", "modules")}
    [warning] = findings(no_emergency)
    assert (warning.code, warning.severity) == ("emergency_missing", Severity.WARNING)
    assert blocking([warning]) == []


def test_given_a_document_broken_many_ways_when_checked_then_every_finding_is_listed_at_once() -> None:
    document = default()
    document["theme"]["colours"]["on_accent"] = document["theme"]["colours"]["accent"]
    document["languages"]["enabled"].append("fi")
    del document["strings"]["app.offline"]
    team = position(document, "neighbourhood_team")
    document["modules"][team]["settings"]["unit"] = "riot_squad"
    report = position(document, "report")
    document["modules"][report]["settings"]["categories"].append({"code": "drone_noise"})
    category = report_category(document, "noise_night")[2]
    category["questions"] = [question("extra", visible_if={"??": [{"var": "answers.nope"}, 1]})]

    codes = {finding.code for finding in findings(document)}

    assert codes == {
        "contrast_too_low",
        "translation_missing",
        "string_missing",
        "unknown_unit",
        "unknown_category",
        "rule_operator_not_in_apps",
        "rule_unknown_field",
    }


# ---------------------------------------------------------------------------------------------- schema and input


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        (lambda d: d["theme"]["colours"].update(text="red"), "schema.string_pattern_mismatch", "theme.colours.text"),
        (lambda d: d["theme"].update(font="Comic Sans"), "schema.extra_forbidden", "theme.font"),
        (lambda d: d.pop("theme"), "schema.missing", "theme"),
        (
            lambda d: d["modules"][1]["settings"]["categories"][0].update(code="Noise Night"),
            "schema.string_pattern_mismatch",
            "modules.1.settings.categories.0.code",
        ),
        (lambda d: d["modules"][0].update(type="teleporter"), "schema.union_tag_invalid", "modules.0"),
        (
            lambda d: d["modules"][0]["settings"].update(number="911-HELP"),
            "schema.string_pattern_mismatch",
            "modules.0.settings.number",
        ),
        (lambda d: d["name"].update(nl="A\u202eppa"), "schema.value_error", "name.nl"),
        (lambda d: d["name"].update(nl="two\nlines"), "schema.value_error", "name.nl"),
        (lambda d: d["theme"].update(icon="javascript:alert(1)"), "schema.string_pattern_mismatch", "theme.icon"),
        (lambda d: d["theme"].update(icon="//evil.example/i.png"), "schema.string_pattern_mismatch", "theme.icon"),
        (
            lambda d: d.update(accessibility={"text_scale": float("nan")}),
            "schema.less_than_equal",
            "accessibility.text_scale",
        ),
    ],
)
def test_given_a_document_breaking_its_schema_when_checked_then_the_field_is_named(
    change: Any, code: str, path: str
) -> None:
    document = default()
    change(document)

    result = found(document)

    assert (code, path) in result, result


def test_given_markup_and_odd_unicode_in_texts_then_they_are_kept_as_data_normalised() -> None:
    """Given a title with HTML/script markup, emoji, right-to-left script and decomposed accents, then the
    document is valid and keeps the text as written (NFC): it is data for apps to show as text."""
    document = default()
    document["name"]["nl"] = "<script>alert('x')</script> 🚓 شرطة Cafe\u0301"

    validated = document_model(module_types(get_tenant("pilot-nl"))).model_validate(document)

    assert validated.name.root["nl"] == unicodedata.normalize("NFC", "<script>alert('x')</script> 🚓 شرطة Café")
    assert findings(document) == []


@pytest.mark.parametrize("link", ["https://politie.example/logo.png", "/icons/app-512.png", "/"])
def test_given_an_https_or_site_link_for_the_icon_then_it_is_accepted(link: str) -> None:
    document = default()
    document["theme"]["icon"] = link

    assert findings(document) == []
