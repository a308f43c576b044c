"""A plugin declared as data: a city's tenant, taxonomy, rules and messages as JSON files beside its module.

Most of what a city changes is data, so a city plugin is usually a folder of JSON files and a module of five
lines (`plugins/README.md` is the author's guide; `koban plugin new NAME` writes one):

    koban_<city>/
      __init__.py             plugin = DataPlugin(Path(__file__).parent); koban_tenants, ... = plugin.hooks()
      tenant.json             the tenant (`koban.tenants.models.Tenant`); or tenants.json, a list of them
      categories.json         the city's own categories (a list of `Category`; texts may live in taxonomy/)
      taxonomy/<lang>.json    category texts in one language, for the city's own categories and for the
                              categories other plugins (the built-in taxonomy) offer its tenants
      rules.json              named JSONLogic rules (`koban.rules.load_rule_file`)
      messages/<lang>.json    messages in one language (`status.<code>`, `priority.<level>`, ...)
      knowledge/<lang>.json   the assistant's knowledge items in one language, by topic (`koban_knowledge_items`)
      assistant_examples/<lang>.json
                              training examples for the assistant's classifier in one language, by enquiry
                              category (`koban_assistant_examples`; read by the build step)
      notifications.json      how its notifications leave when really sent: e-mail sender per language, SMS
                              sender id (`koban_notification_adapters`; the outbox stays the default's)

Every file but the tenant is optional. Everything is read and validated once, when the module is imported, so a
mistake stops the start-up with a message naming the file; a taxonomy text for a category or question that no
plugin offers is refused when the taxonomy is built (a typo would otherwise leave a string untranslated).

A `taxonomy/<lang>.json` maps category codes to texts:

    {"noise_night": {"name": "...", "description": "...", "keywords": "...",
                     "questions": {"noise_source": {"label": "...", "options": {"music": "..."}}}}}

A `knowledge/<lang>.json` maps topics to knowledge items (`KnowledgeItemIn` without `language`); the item's id is
`<topic>-<lang>`, and the same topic in each of the tenant's languages is what `koban plugins --check` expects:

    {"pl-online-fraud": {"title": "...", "question": "...", "body": "...", "categories": ["cybercrime"],
                         "audience": ["residents"], "tags": ["fraud"], "url": "https://www.policja.pl"}}

An `assistant_examples/<lang>.json` maps enquiry categories (the 14 of `AssistantGroup`) to residents' messages:

    {"contact_officer": ["Jak skontaktować się z moim dzielnicowym?"], "emergency": ["..."]}
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Generator, Iterable
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from koban.assistant.models import Language
from koban.plugins import PluginConfigurationError, hookimpl
from koban.plugins.examples import AssistantExample, ExampleText
from koban.plugins.knowledge import KnowledgeSeed, Topic
from koban.rules import RuleError, load_rule_file
from koban.tenants.models import AssistantGroup, Category, Code, Tenant

Text = Annotated[str, Field(min_length=1, max_length=4000)]
MessageKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.-]{0,99}$")]
_LANGUAGE = re.compile(r"[a-z]{2,3}")
# `Name <address>` or an address; SNS: 1-11 letters and digits, at least one letter.
EmailSender = Annotated[str, Field(max_length=320, pattern=r"^[^\r\n<>@]*<?[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>?$")]
SmsSenderId = Annotated[str, Field(max_length=11, pattern=r"^[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*$")]
_T = TypeVar("_T")


class _Texts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class QuestionTexts(_Texts):
    """A question's label and its options' labels (option code -> label) in one language."""

    label: Text | None = None
    options: dict[str, Text] = Field(default_factory=dict)


class CategoryTexts(_Texts):
    """A category's texts in one language; anything left out keeps the text it has."""

    name: Text | None = None
    description: Text | None = None
    keywords: Text | None = None
    questions: dict[str, QuestionTexts] = Field(default_factory=dict)


class NotificationSettings(_Texts):
    """`notifications.json`: what differs when the plugin's tenants' notifications are really sent."""

    email_from: dict[Language, EmailSender] = Field(
        default_factory=dict, description="The e-mail sender by message language (else NOTIFICATION_EMAIL_FROM)"
    )
    sms_sender_id: SmsSenderId | None = None


_TAXONOMY_FILE: TypeAdapter[dict[Code, CategoryTexts]] = TypeAdapter(dict[Code, CategoryTexts])
_KNOWLEDGE_FILE: TypeAdapter[dict[Topic, dict[str, Any]]] = TypeAdapter(dict[Topic, dict[str, Any]])
_SET_BY_THE_FILE = frozenset({"id", "topic", "language"})
_EXAMPLES_FILE: TypeAdapter[dict[AssistantGroup, list[ExampleText]]] = TypeAdapter(
    dict[AssistantGroup, list[ExampleText]]
)
_MESSAGES_FILE: TypeAdapter[dict[MessageKey, Text]] = TypeAdapter(dict[MessageKey, Text])


def localise(category: Category, language: str, texts: CategoryTexts) -> Category:
    """`category` with `texts` added in `language` (replacing that language's texts where both exist).

    Raises `ValueError` for a question or option code the category does not have.
    """
    update: dict[str, Any] = {
        field: {**getattr(category, field), language: value}
        for field in ("name", "description", "keywords")
        if (value := getattr(texts, field)) is not None
    }
    unknown = set(texts.questions) - {question.code for question in category.questions}
    if unknown:
        raise ValueError(f"category '{category.code}' has no question {', '.join(sorted(unknown))}")
    if texts.questions:
        questions = []
        for question in category.questions:
            wanted = texts.questions.get(question.code)
            if wanted is None:
                questions.append(question)
                continue
            strays = set(wanted.options) - question.option_codes
            if strays:
                raise ValueError(
                    f"question '{category.code}.{question.code}' has no option {', '.join(sorted(strays))}"
                )
            options = tuple(
                option.model_copy(update={"label": {**option.label, language: wanted.options[option.code]}})
                if option.code in wanted.options
                else option
                for option in question.options
            )
            label = {**question.label, language: wanted.label} if wanted.label is not None else question.label
            questions.append(question.model_copy(update={"label": label, "options": options}))
        update["questions"] = tuple(questions)
    return category.model_copy(update=update)


class DataHooks(NamedTuple):
    """A data plugin's hook implementations, in the order a plugin module unpacks them."""

    koban_tenants: Callable[[], list[Tenant]]
    koban_categories: Callable[..., Generator[None, list[Any], list[Any]]]
    koban_rules: Callable[..., dict[str, Any] | None]
    koban_translations: Callable[..., dict[str, str] | None]
    koban_knowledge_items: Callable[..., list[KnowledgeSeed] | None]
    koban_notification_adapters: Callable[..., dict[str, Any] | None]
    koban_assistant_examples: Callable[..., list[AssistantExample] | None]


class DataPlugin:
    """The hook implementations of a plugin whose data lives in `folder` (see the module docstring).

    Expose the hooks as module attributes of the plugin module (pluggy registers the module), with
    `koban_tenants, koban_categories, koban_rules, koban_translations, koban_knowledge_items,
    koban_notification_adapters, koban_assistant_examples = plugin.hooks()`. `koban_categories` is a
    wrapper: it adds the plugin's own categories first, so they win over built-in ones with the same code, and
    puts its taxonomy texts on every category of its tenants. They answer only for the plugin's own tenants.
    """

    def __init__(self, folder: Path, name: str | None = None) -> None:
        self.folder = folder
        self.name = name or folder.name
        self.tenants: tuple[Tenant, ...] = self._load_tenants()
        self.tenant_ids = frozenset(tenant.id for tenant in self.tenants)
        self.texts: dict[str, dict[str, CategoryTexts]] = self._per_language("taxonomy", _TAXONOMY_FILE)
        self.rules: dict[str, Any] = self._load_rules()
        self.messages: dict[str, dict[str, str]] = self._per_language("messages", _MESSAGES_FILE)
        self.knowledge: tuple[KnowledgeSeed, ...] = self._load_knowledge()
        self.notifications: NotificationSettings = self._load_notifications()
        self.examples: tuple[AssistantExample, ...] = self._load_examples()
        self.own_categories  # noqa: B018 - validated now, at import, not on the first request

    # ------------------------------------------------------------------------------------------ loading

    def _error(self, file: Path, problem: object, within: tuple[str, ...] = ()) -> PluginConfigurationError:
        """The error for `problem` in `file` (for a validation error, at `within` + its location)."""
        where = file.relative_to(self.folder) if file.is_relative_to(self.folder) else file
        if isinstance(problem, ValidationError):  # one line per mistake, where it is and what is wrong
            problem = "; ".join(
                f"{'.'.join(str(part) for part in (*within, *error['loc'])) or 'the top level'}: {error['msg']}"
                for error in problem.errors(include_url=False)
            )
        return PluginConfigurationError(f"plugin '{self.name}': {where}: {problem}")

    def _json(self, file: Path) -> Any:
        try:
            return json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise self._error(file, f"cannot read it: {error}") from error

    def _load_tenants(self) -> tuple[Tenant, ...]:
        single, several = self.folder / "tenant.json", self.folder / "tenants.json"
        if single.is_file() == several.is_file():
            raise PluginConfigurationError(f"plugin '{self.name}': needs exactly one of tenant.json and tenants.json")
        file = single if single.is_file() else several
        data = self._json(file)
        items = [data] if file is single else data
        if not isinstance(items, list) or not items:
            raise self._error(file, "expected a non-empty list of tenants")
        try:
            return tuple(Tenant.model_validate(item) for item in items)
        except ValidationError as error:
            raise self._error(file, error) from error

    def _language_files(self, subfolder: str) -> Iterable[tuple[str, Path]]:
        """(language, file) for each `<subfolder>/<language>.json`; a file name that is no language is refused."""
        for file in sorted((self.folder / subfolder).glob("*.json")):
            if not _LANGUAGE.fullmatch(file.stem):
                raise self._error(file, "the file name must be a language code (ISO 639-1, e.g. uk.json)")
            yield file.stem, file

    def _per_language(self, subfolder: str, adapter: TypeAdapter[_T]) -> dict[str, _T]:
        """`<subfolder>/<language>.json` files, each validated by `adapter`, by language."""
        loaded: dict[str, _T] = {}
        for language, file in self._language_files(subfolder):
            data = self._json(file)
            try:
                loaded[language] = adapter.validate_python(data)
            except ValidationError as error:
                raise self._error(file, error) from error
        return loaded

    def _load_rules(self) -> dict[str, Any]:
        file = self.folder / "rules.json"
        if not file.is_file():
            return {}
        try:
            return load_rule_file(file)
        except RuleError as error:
            raise self._error(file, error.detail) from error

    def _load_knowledge(self) -> tuple[KnowledgeSeed, ...]:
        seeds: list[KnowledgeSeed] = []
        for language, file in self._language_files("knowledge"):
            try:
                by_topic = _KNOWLEDGE_FILE.validate_python(self._json(file))
            except ValidationError as error:
                raise self._error(file, error) from error
            for topic, fields in by_topic.items():
                fixed = sorted(_SET_BY_THE_FILE & set(fields))
                if fixed:
                    raise self._error(file, f"{topic}: {', '.join(fixed)} come from the topic and file name")
                try:
                    seed = {**fields, "id": f"{topic}-{language}", "topic": topic, "language": language}
                    seeds.append(KnowledgeSeed.model_validate(seed))
                except ValidationError as error:
                    raise self._error(file, error, within=(topic,)) from error
        return tuple(seeds)

    def _load_examples(self) -> tuple[AssistantExample, ...]:
        examples: list[AssistantExample] = []
        for language, file in self._language_files("assistant_examples"):
            try:
                by_category = _EXAMPLES_FILE.validate_python(self._json(file))
            except ValidationError as error:
                raise self._error(file, error) from error
            seen: set[str] = set()
            for category, texts in by_category.items():
                for text in texts:
                    if text.casefold() in seen:
                        raise self._error(file, f"{category}: the example '{text}' appears twice")
                    seen.add(text.casefold())
                    examples.append(AssistantExample(language=language, category=category, text=text))
        return tuple(examples)

    def _load_notifications(self) -> NotificationSettings:
        file = self.folder / "notifications.json"
        if not file.is_file():
            return NotificationSettings()
        try:
            return NotificationSettings.model_validate(self._json(file))
        except ValidationError as error:
            raise self._error(file, error) from error

    @cached_property
    def own_categories(self) -> tuple[Category, ...]:
        """The categories of `categories.json`, with their taxonomy texts, validated."""
        file = self.folder / "categories.json"
        if not file.is_file():
            return ()
        data = self._json(file)
        if not isinstance(data, list):
            raise self._error(file, "expected a list of categories")
        try:
            categories = [Category.model_validate({"name": {}, **item}) for item in data]
        except (ValidationError, TypeError) as error:
            raise self._error(file, error) from error
        codes = [category.code for category in categories]
        if len(set(codes)) != len(codes):
            raise self._error(file, "a category code appears twice")
        return tuple(self._localised(category) for category in categories)

    def _localised(self, category: Category) -> Category:
        for language, by_code in self.texts.items():
            texts = by_code.get(category.code)
            if texts is not None:
                try:
                    category = localise(category, language, texts)
                except ValueError as error:
                    raise self._error(self.folder / "taxonomy" / f"{language}.json", error) from error
        return category

    # -------------------------------------------------------------------------------------------- hooks

    def hooks(self) -> DataHooks:
        """The hook implementations, named, for the plugin module to expose (see `DataHooks`)."""
        return DataHooks(
            self.koban_tenants,
            self.koban_categories,
            self.koban_rules,
            self.koban_translations,
            self.koban_knowledge_items,
            self.koban_notification_adapters,
            self.koban_assistant_examples,
        )

    @hookimpl
    def koban_tenants(self) -> list[Tenant]:
        """The tenants of tenant.json / tenants.json (a fresh list; the tenants are immutable)."""
        return list(self.tenants)

    @hookimpl(wrapper=True)
    def koban_categories(self, tenant: Tenant) -> Generator[None, list[Any], list[Any]]:
        """For the plugin's tenants: its own categories first, and its taxonomy texts on every category."""
        contributions: list[Any] = yield
        if tenant.id not in self.tenant_ids:
            return contributions
        localised = [
            None if contribution is None else [self._localised(category) for category in contribution]
            for contribution in contributions
        ]
        offered = {category.code for contribution in localised for category in contribution or ()}
        offered |= {category.code for category in self.own_categories}
        for language, by_code in self.texts.items():
            unknown = sorted(set(by_code) - offered)
            if unknown:
                raise self._error(
                    self.folder / "taxonomy" / f"{language}.json",
                    f"no plugin offers '{tenant.id}' the categories {', '.join(unknown)}",
                )
        return [list(self.own_categories), *localised]

    @hookimpl
    def koban_rules(self, tenant: Tenant) -> dict[str, Any] | None:
        """The rules of rules.json for the plugin's tenants (a copy the caller may keep)."""
        if tenant.id not in self.tenant_ids or not self.rules:
            return None
        return copy.deepcopy(self.rules)

    @hookimpl
    def koban_translations(self, language: str) -> dict[str, str] | None:
        """The messages of messages/<language>.json."""
        found = self.messages.get(language)
        return dict(found) if found is not None else None

    @hookimpl
    def koban_knowledge_items(self, tenant: Tenant) -> list[KnowledgeSeed] | None:
        """The knowledge items of knowledge/<language>.json for the plugin's tenants."""
        if tenant.id not in self.tenant_ids or not self.knowledge:
            return None
        return list(self.knowledge)

    @hookimpl
    def koban_assistant_examples(self, tenant: Tenant) -> list[AssistantExample] | None:
        """The training examples of assistant_examples/<language>.json for the plugin's tenants."""
        if tenant.id not in self.tenant_ids or not self.examples:
            return None
        return list(self.examples)

    @hookimpl
    def koban_notification_adapters(self, tenant: Tenant, delivery: str) -> dict[str, Any] | None:
        """With `delivery` = `providers`, SES e-mail from the senders and SNS SMS from the sender id of
        notifications.json for the plugin's tenants (each only when set); the outbox is left to the default."""
        settings = self.notifications
        if tenant.id not in self.tenant_ids or delivery != "providers":
            return None
        from koban.notifications.adapters import SesEmailAdapter, SnsSmsAdapter  # only senders load boto3

        adapters: dict[str, Any] = {}
        if settings.email_from:
            adapters["email"] = SesEmailAdapter(settings.email_from)
        if settings.sms_sender_id:
            adapters["sms"] = SnsSmsAdapter(settings.sms_sender_id)
        return adapters or None
