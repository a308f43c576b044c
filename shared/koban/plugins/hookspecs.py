"""Every hook a KOBAN plugin can implement. This module is the whole contract between core and plugins.

Conventions (pytest/datasette style): each hook is named `koban_<verb>`; its docstring gives the parameters,
what it returns, whether the first non-None result wins or all results are collected, and the version it was
added in. The built-in behaviour is the `koban_default` plugin, registered with `trylast=True`, so a city
plugin's implementation runs first and can override it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

from koban.plugins import PROJECT_NAME
from koban.tenants.models import Category, Tenant

if TYPE_CHECKING:  # the App Factory and capability models are imported only by the functions that use them
    from koban.app_config.models import AppModuleType
    from koban.capability.spec import CapabilityModelPart
    from koban.plugins.examples import AssistantExample
    from koban.plugins.knowledge import KnowledgeSeed

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


@hookspec
def koban_tenants() -> list[Tenant]:  # type: ignore[empty-body]
    """The tenants (police forces or cities) this plugin serves.

    Parameters: none.
    Returns: a list of `Tenant`; all results are collected and concatenated. A tenant id defined twice is an
    error at start-up.
    Added in 0.1.
    """


@hookspec
def koban_categories(tenant: Tenant) -> list[Category] | None:
    """Report categories offered by `tenant`.

    Parameters: `tenant`, the tenant whose taxonomy is being built.
    Returns: a list of `Category`, or None to add nothing; all results are collected. Where two plugins give
    the same category code, the one called first wins (city plugins run before the default plugin), so a
    city can replace a built-in category. A category whose `settings.disabled_categories` lists it is dropped.
    Added in 0.1.
    """


@hookspec
def koban_rules(tenant: Tenant) -> dict[str, Any] | None:
    """Named JSONLogic rules for `tenant` (e.g. `triage`, `routing`, `deadline_hours`).

    Parameters: `tenant`.
    Returns: a mapping of rule name to JSONLogic rule, or None; all results are collected and merged, the
    first definition of a name winning. Every rule is validated (size, depth, operators) when loaded.
    Added in 0.1.
    """


@hookspec(firstresult=True)
def koban_triage(tenant: Tenant, facts: dict[str, Any], rules: dict[str, Any]) -> str | None:
    """The priority of a new report: one of `urgent`, `high`, `normal`, `low`.

    Parameters: `tenant`; `facts`, the data rules see (category, group, answers, channel, local `hour` and
    `weekday` in the tenant's time zone, `sensitive`, …); `rules`, the tenant's merged rules.
    Returns: a priority string; the first non-None result wins. The default evaluates the `triage` rule.
    Added in 0.1.
    """


@hookspec(firstresult=True)
def koban_route(tenant: Tenant, facts: dict[str, Any], rules: dict[str, Any]) -> str | None:
    """The unit (code of one of `tenant.units`) that should handle a new report.

    Parameters: as `koban_triage`, with `facts["priority"]` already set.
    Returns: a unit code; the first non-None result wins. The default evaluates the `routing` rule and falls
    back to the category's `default_unit`, then the tenant's first unit.
    Added in 0.1.
    """


@hookspec(firstresult=True)
def koban_deadline_hours(tenant: Tenant, facts: dict[str, Any], rules: dict[str, Any]) -> int | None:
    """Hours within which the reporter can expect a first response.

    Parameters: as `koban_route`, with `facts["priority"]`, `facts["unit"]` and `facts["deadline_hours"]`
    (the category's own deadline) set.
    Returns: a positive number of hours; the first non-None result wins. The default evaluates the
    `deadline_hours` rule and falls back to the category deadline.
    Added in 0.1.
    """


@hookspec
def koban_report_received(tenant: Tenant, report: dict[str, Any]) -> None:
    """Called after a new report is stored (e.g. to notify a duty officer).

    Parameters: `tenant`; `report`, the staff view of the stored report as a JSON-ready dict.
    Returns: nothing; every implementation is called. An exception is logged; it neither undoes the report
    nor keeps the other implementations from being called.
    Added in 0.1.
    """


@hookspec
def koban_translations(language: str) -> dict[str, str] | None:
    """Messages a plugin adds or overrides in `language` (ISO 639-1).

    Parameters: `language`.
    Returns: a mapping of message key to text (with `{name}` placeholders), or None; all results are merged,
    the plugin called first winning.
    Added in 0.1.
    """


@hookspec
def koban_notification_adapters(tenant: Tenant, delivery: str) -> dict[str, Any] | None:
    """The adapters that carry notifications of `tenant` out, by channel (`email`, `sms`, `push`).

    Parameters: `tenant`; `delivery`, the deployment's setting `NOTIFICATION_DELIVERY`: `outbox` (store what
    would be sent, readable through the API) or `providers` (really send).
    Returns: a mapping of channel to an adapter, an object with `channel` and `send(message: Outgoing) ->
    SendResult` (see `koban.notifications.adapters`), or None; all results are collected and merged, the
    plugin called first winning for each channel (so a city can bring its own SMS gateway and keep the rest).
    An adapter must not raise for a refused message: it reports `retry` or `failed`.
    Added in 0.2.
    """


@hookspec
def koban_knowledge_items(tenant: Tenant) -> list[KnowledgeSeed] | None:
    """Knowledge items (the FAQ the assistant answers from) a plugin brings for `tenant`, in its languages.

    Parameters: `tenant`, the tenant whose knowledge repository is being seeded or checked.
    Returns: a list of `koban.plugins.knowledge.KnowledgeSeed` (a `KnowledgeItemIn`: `language`, `title`,
    `question`, `body`, `categories`, `audience`, `tags`, `url`; with its `id` and, optionally, a `topic` shared by
    the same answer in each language), or None; all results are collected and concatenated, and an id given twice
    is an error. Where the deployment seeds knowledge (the local home at start-up), the items are stored in the
    tenant's repository with passage vectors from the assistant's build step (`koban_local.assistant_build`),
    never computed at a function's cold start; `koban plugins --check` reports an item in a language the tenant
    does not have and a topic missing in one of its languages. A data plugin brings them as
    `knowledge/<language>.json`.
    Added in 0.3.
    """


@hookspec
def koban_assistant_examples(tenant: Tenant) -> list[AssistantExample] | None:
    """Training examples for the assistant's enquiry classifier that a plugin brings for `tenant`, in its
    languages and in its force's own words (e.g. "wijkagent", "dzielnicowy", "närpolis").

    Parameters: `tenant`, the tenant whose plugins are asked (the build step asks for every tenant).
    Returns: a list of `koban.plugins.examples.AssistantExample` (`language`, `category`: one of the 14 enquiry
    categories, `text`), or None; all results are collected and concatenated, and an example given twice for one
    tenant is an error. They are read only by the assistant's build step (`koban_local.assistant_build`), which
    trains the classifier on the core examples and every tenant's plugin examples (each text once) into the
    committed model, never at a function's cold start; a test fails until the build is run again, and the
    held-out set of `make eval` must share no text with them. `koban plugins --check` reports an example in a
    language the tenant does not have or the assistant cannot detect. A data plugin brings them as
    `assistant_examples/<language>.json`.
    Added in 0.3.
    """


@hookspec
def koban_app_module_types(tenant: Tenant) -> list[AppModuleType[Any]] | None:
    """Module types the citizen apps of `tenant` can show (App Factory).

    Parameters: `tenant`, the tenant whose app configurations are being validated, checked or delivered.
    Returns: a list of `koban.app_config.models.AppModuleType`, or None to add nothing; all results are
    collected, and where two plugins define the same `name`, the one called first wins (city plugins run
    before the default plugin, so a city can replace a built-in type). An `AppModuleType` has `name` (the
    module's `type` in a configuration, like `neighbourhood_watch`), `settings` (the pydantic model of the
    module's settings: it validates them, it becomes part of the JSON Schema published to app builders, and
    its `Label`/`Paragraph`/`ArticleText` texts and `Condition` rules are checked like every other), `title`
    (default title by language) and `description`, and optionally `default` (settings for the tenant's
    default configuration, or None to leave the module out), `check` (findings that stop a publication,
    e.g. a unit the tenant does not have) and `render` (what apps receive; by default the settings with every
    text in the asked language). The default plugin contributes the built-in types: `emergency`, `report`,
    `tracking`, `assistant`, `area_alerts`, `priorities`, `neighbourhood_team`, `safety_info`, `survey`.
    Added in 0.2.
    """


@hookspec(firstresult=True)
def koban_assistant_handoff(tenant: Tenant, facts: dict[str, Any], rules: dict[str, Any]) -> bool | None:
    """Whether a resident's message to the assistant needs a person: True puts the conversation into the
    officers' queue (`GET /v1/tenants/{tenant}/assistant/handoffs`) and the answer says so.

    Parameters: `tenant`; `facts`, what the assistant understood (`group`: the enquiry category, one of the
    14; `category`: the report category chosen in that group, or ""; `emergency`, `confidence` (0-1),
    `language`, `sensitive`, local `hour` and `weekday`, `priority` and `unit` as routed; the default plugin's
    README lists them all); `rules`, the tenant's merged rules.
    Returns: True or False; the first non-None result wins. The default evaluates the `assistant_handoff` rule;
    when no implementation decides, only emergencies are handed over.
    Added in 0.2.
    """


@hookspec(firstresult=True)
def koban_assistant_answer(tenant: Tenant, question: dict[str, Any]) -> str | None:
    """Phrase the assistant's answer to a resident (an answer engine, e.g. a large language model).

    Called only for messages that are not emergencies (those always get the fixed call-112 answer), after the
    offline answer is composed from templates and knowledge passages.
    Parameters: `tenant`; `question`, a dict with `text` (the resident's message, phone numbers and e-mail
    addresses redacted), `language` (the answer's ISO 639-1 language), `category` (one of the 14), `passages`
    (the retrieved knowledge: a list of dicts with `id`, `title`, `text`, `language`, `url`) and `draft` (the
    offline answer). An implementation must answer only from `passages` and `draft`, in `language`, and return
    quickly (the assistant waits for it).
    Returns: the answer text, or None to keep the offline answer; the first non-None result wins. Core calls
    the implementations one by one: one that raises is logged and skipped, so the offline answer always
    remains. The answer's `sources` stay the retrieved items. No implementation is built in; the optional
    Amazon Bedrock plugin is `koban.assistant.bedrock` (register it by name with `KOBAN_PLUGINS`).
    Added in 0.2.
    """


@hookspec
def koban_capability_model(tenant: Tenant) -> CapabilityModelPart | None:
    """Dimensions, capabilities, maturity levels, live indicators and texts of the KOBAN capability model that
    `tenant`'s staff and partners assess themselves against (`/v1/tenants/{tenant}/capability/`).

    Parameters: `tenant`, the tenant whose model is being built.
    Returns: a `koban.capability.spec.CapabilityModelPart`, or None to add nothing; all results are collected and
    merged. Where two plugins define the same dimension, capability or indicator id, the one called first wins
    whole (city plugins run before the default plugin, so a city can reword a capability or set an indicator's
    thresholds); new ids are added after the default's. `level_names` and `phrases` are merged per key and
    language, the plugin called first winning. A capability has a `dimension`, a `name`, a `description` and
    five `levels` described in plain words; an indicator names one of the computations core knows
    (`koban.capability.indicators.INDICATORS`), the dimension it shows under, its name and definition, and the
    four `thresholds` at which levels 2 to 5 begin. Every text is a mapping of language to text. The default
    plugin contributes the six KOBAN dimensions with two capabilities each and sixteen indicators, in en, nl,
    pl, fi, es, pt, fr, de, uk and sv (`plugins/default/koban_default/capability/`).
    Added in 0.3.
    """
