"""The pilots' training examples for the assistant's classifier (hook `koban_assistant_examples`,
`assistant_examples/<lang>.json`): in every language of the tenant, in each force's own words, validated when the
plugin loads, checked by `koban plugins --check`, and part of what the build step trains on."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pluggy
import pytest

from koban.plugins import PluginConfigurationError, hookimpl
from koban.plugins.checks import example_problems, translation_problems
from koban.plugins.examples import AssistantExample, plugin_examples
from koban.plugins.package import DataPlugin
from koban.tenants.models import AssistantGroup
from koban.tenants.service import get_tenant
from koban_local.assistant_build import load_evaluation, load_examples
from tests.unit.test_pilot_knowledge import PILOTS, manager  # noqa: F401 - the fresh manager the hooks use
from tests.unit.test_pilot_plugin_package import TENANT, write
from tests.unit.test_plugin_host import use_manager  # noqa: F401 - a fresh manager the tenant service uses

# The force's word for its neighbourhood officer, as residents write it (case ignored, any inflection).
OFFICER_WORDS = [
    ("pilot-nl", "nl", "wijkagent"),
    ("pilot-pl", "pl", "dzielnicow"),
    ("pilot-pl", "uk", "дільничн"),
    ("pilot-fi", "fi", "lähipoliisi"),
    ("pilot-fi", "sv", "närpolis"),
    ("pilot-es", "es", "policía de barrio"),
    ("pilot-pt", "pt", "agente de proximidade"),
    ("pilot-be", "fr", "agent de quartier"),
    ("pilot-be", "nl", "wijkagent"),
    ("pilot-be", "de", "viertelagent"),
]


def _by_language(tenant_id: str) -> Counter[str]:
    return Counter(example.language for example in plugin_examples(get_tenant(tenant_id)))


@pytest.mark.parametrize("tenant_id", PILOTS)
def test_given_a_pilot_then_it_brings_10_to_20_examples_in_each_language_but_english(tenant_id: str) -> None:
    """Given a pilot, then its plugin brings between 10 and 20 examples in each of its tenant's languages except
    English (the core's examples cover English), and the check finds nothing."""
    tenant = get_tenant(tenant_id)

    counts = _by_language(tenant_id)

    assert set(counts) == set(tenant.languages) - {"en"}
    assert all(10 <= count <= 20 for count in counts.values()), counts
    assert example_problems(tenant) == []


@pytest.mark.parametrize(("tenant_id", "language", "word"), OFFICER_WORDS)
def test_given_a_pilot_language_then_residents_ask_for_the_officer_in_the_forces_words(
    tenant_id: str, language: str, word: str
) -> None:
    contact = [
        example.text.casefold()
        for example in plugin_examples(get_tenant(tenant_id))
        if example.language == language and example.category is AssistantGroup.CONTACT_OFFICER
    ]

    assert contact
    assert all(word in text for text in contact), contact


def test_given_the_build_step_then_it_trains_on_every_pilot_example_and_none_is_held_out() -> None:
    """Given the examples the build step loads, then they include each pilot's (Swedish and Ukrainian too, which
    only the pilots bring), and the held-out set of `make eval` shares no text with them."""
    trained = {(example.language, example.text) for example in load_examples()}
    held_out = {example.text.casefold() for example in load_evaluation()}

    for tenant_id in PILOTS:
        brought = {(example.language, example.text) for example in plugin_examples(get_tenant(tenant_id))}
        assert brought <= trained, tenant_id
        assert not {text.casefold() for _, text in brought} & held_out, tenant_id
    assert {"sv", "uk"} <= {language for language, _ in trained}


def test_given_a_data_plugin_then_its_examples_come_from_the_file_and_only_its_tenants_get_them(
    tmp_path: Path,
) -> None:
    files = {"tenant.json": TENANT, "assistant_examples/nl.json": {"contact_officer": ["Wie is mijn wijkagent?"]}}
    plugin = DataPlugin(write(tmp_path, files))

    examples = plugin.koban_assistant_examples(tenant=plugin.tenants[0])

    assert examples == [AssistantExample(language="nl", category="contact_officer", text="Wie is mijn wijkagent?")]
    assert plugin.koban_assistant_examples(tenant=get_tenant("pilot-nl")) is None


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"assistant_examples/nl.json": {"parking_fines": ["Een boete"]}}, "assistant_examples/nl.json: parking_fines"),
        ({"assistant_examples/nl.json": {"nuisance": [""]}}, "assistant_examples/nl.json: nuisance.0"),
        ({"assistant_examples/nl.json": {"nuisance": ["Lawaai", "LAWAAI"]}}, "nuisance: the example 'LAWAAI'"),
        ({"assistant_examples/nl.json": {"nuisance": "Lawaai"}}, "assistant_examples/nl.json: nuisance"),
        ({"assistant_examples/dutch.json": {"nuisance": ["Lawaai"]}}, "must be a language code"),
        ({"assistant_examples/nl.json": "[not json"}, "cannot read it"),
    ],
)
def test_given_a_broken_examples_file_then_loading_names_file_and_place(
    tmp_path: Path, files: dict[str, Any], message: str
) -> None:
    with pytest.raises(PluginConfigurationError, match="plugin 'gent'") as raised:
        DataPlugin(write(tmp_path, {"tenant.json": TENANT, **files}), name="gent")

    assert message in raised.value.detail


def _register(manager: pluggy.PluginManager, examples: list[Any]) -> None:  # noqa: F811
    class Extra:
        @hookimpl
        def koban_assistant_examples(self, tenant: Any) -> list[Any] | None:
            return examples if tenant.id == "pilot-nl" else None

    manager.register(Extra(), name="extra")


def test_given_examples_in_a_foreign_or_undetectable_language_then_the_check_names_them(
    manager: pluggy.PluginManager,  # noqa: F811
) -> None:
    """Given a plugin giving pilot-nl an example in Polish (not the tenant's) and one in Frisian (which the
    assistant cannot detect, here declared a tenant language), then the check (so `koban plugins --check`)
    names both."""
    tenant = get_tenant("pilot-nl").model_copy(update={"languages": ("nl", "en", "fy")})
    _register(
        manager,
        [
            AssistantExample(language="pl", category="nuisance", text="Hałas w nocy"),
            {"language": "fy", "category": "nuisance", "text": "Lawaai yn 'e nacht"},
        ],
    )

    problems = [str(problem) for problem in translation_problems(tenant)]

    assert "pilot-nl assistant examples pl: not a language of the tenant" in problems
    assert "pilot-nl assistant examples fy: the assistant cannot detect it" in problems


@pytest.mark.parametrize(
    ("examples", "message"),
    [
        (
            [
                {
                    "language": "nl",
                    "category": "nuisance",
                    "text": "Wie is de wijkagent in mijn buurt en hoe bereik ik hem?",
                }
            ],
            "twice",
        ),
        ([{"language": "nl", "category": "parking", "text": "Een boete"}], "invalid example"),
    ],
)
def test_given_a_text_twice_or_an_invalid_example_then_the_examples_are_refused(
    manager: pluggy.PluginManager,  # noqa: F811
    examples: list[Any],
    message: str,
) -> None:
    """Given a plugin repeating one of pilot-nl's own examples (in another category), or an example of an unknown
    category, then collecting them fails, and the check reports it."""
    _register(manager, examples)
    tenant = get_tenant("pilot-nl")

    with pytest.raises(PluginConfigurationError, match=message):
        plugin_examples(tenant)
    assert [problem.where for problem in example_problems(tenant)] == ["pilot-nl assistant examples"]
