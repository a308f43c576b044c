"""The app configuration document: what a police force composes in the designer and publishes to its apps.

A document is a name, a theme, languages, the app's own strings, accessibility options and an ordered list of
modules. A module is an envelope (`id`, `type`, `enabled`, `title`, `platforms`) around `settings` whose shape
its type defines. Module types come from plugins (`koban_app_module_types`; the built-in ones from the default
plugin), so the model a tenant's documents are validated with is built per tenant by `document_model`, a
pydantic discriminated union on `type`. That one model validates, reports errors at their JSON path, and is the
JSON Schema published to app builders.

Texts shown to residents are translated: a `Label`, `Paragraph` or `ArticleText` maps language codes to text.
Everything is data: text is stored and delivered as given (NFC, no control or direction-override characters),
never interpreted as HTML by the server; apps render it as text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Final, Generic, Literal, TypeVar, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, RootModel, create_model

from koban.app_config.colours import normalise_hex
from koban.app_config.findings import Finding, Path
from koban.i18n import pick
from koban.tenants.models import Category, Tenant
from koban.text import CLEAN, NOT_BLANK, SINGLE_LINE

SCHEMA_VERSION: Final = 1
MAX_MODULES = 30
MAX_LANGUAGES = 12
MAX_STRINGS = 300

LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2}$", description="ISO 639-1 language code, e.g. nl")]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,47}$")]
ModuleTypeName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
StringKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*){0,3}$", max_length=64)]
Colour = Annotated[
    str,
    Field(pattern=r"^#(?:[0-9a-fA-F]{3}){1,2}$", description="Hex colour, #rgb or #rrggbb (stored as #rrggbb)"),
    AfterValidator(normalise_hex),
]
# An https URL or a path on the app's own site; never `javascript:`, `data:` or protocol-relative `//host`.
Link = Annotated[
    str,
    Field(
        max_length=2000,
        pattern=r"^(?:https://[^\s\"'<>\\]+|/|/[^/\s\"'<>\\][^\s\"'<>\\]*)$",
        description="https URL or /path",
    ),
]

_Line = Annotated[str, Field(max_length=200), CLEAN, NOT_BLANK, SINGLE_LINE]
_Paragraph = Annotated[str, Field(max_length=2000), CLEAN, NOT_BLANK]
_Article = Annotated[str, Field(max_length=12000), CLEAN, NOT_BLANK]
_TEXT_BOUNDS = Field(min_length=1, max_length=MAX_LANGUAGES + 8)


class Label(RootModel[Annotated[dict[LanguageCode, _Line], _TEXT_BOUNDS]]):
    """A one-line text (a title, a button, a question) in each language: {"en": "...", "nl": "..."}."""


class Paragraph(RootModel[Annotated[dict[LanguageCode, _Paragraph], _TEXT_BOUNDS]]):
    """A text of up to 2,000 characters in each language."""


class ArticleText(RootModel[Annotated[dict[LanguageCode, _Article], _TEXT_BOUNDS]]):
    """A long text (an article body, plain text; blank lines separate paragraphs) in each language."""


Translated = Label | Paragraph | ArticleText
TRANSLATED_TYPES = (Label, Paragraph, ArticleText)


class Condition(RootModel[Any]):
    """A JSONLogic rule over the form's data, e.g. {"==": [{"var": "answers.ongoing"}, true]}. Apps evaluate
    it with json-logic-js; the server compiles it with the same evaluator as every other rule."""


class AppPlatform(StrEnum):
    WEB = "web"
    IOS = "ios"
    ANDROID = "android"


class Strict(BaseModel):
    """Base of every configuration model: unknown keys are refused (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Colours(Strict):
    background: Colour
    text: Annotated[Colour, Field(description="Body text, on `background`")]
    primary: Annotated[Colour, Field(description="Buttons, links and headings; links are text on `background`")]
    on_primary: Annotated[Colour, Field(description="Text on `primary`")]
    accent: Annotated[Colour, Field(description="Highlights and badges")]
    on_accent: Annotated[Colour, Field(description="Text on `accent`")]
    danger: Annotated[Colour, Field(description="The emergency button and errors")]
    on_danger: Annotated[Colour, Field(description="Text on `danger`")]


CONTRAST_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("text", "background", "body text"),
    ("primary", "background", "links and headings"),
    ("on_primary", "primary", "text on buttons"),
    ("on_accent", "accent", "text on highlights"),
    ("on_danger", "danger", "text on the emergency button"),
)
"""(foreground, background, what it is) for every pair of theme colours the app draws text with."""


class Logo(Strict):
    url: Link
    alt: Annotated[Label, Field(description="Text alternative of the logo")]


class Theme(Strict):
    colours: Colours
    logo: Logo | None = None
    icon: Annotated[Link | None, Field(description="Square PNG (512 px) for the installed app")] = None


class Languages(Strict):
    default: LanguageCode
    enabled: Annotated[list[LanguageCode], Field(min_length=1, max_length=MAX_LANGUAGES)]


class Accessibility(Strict):
    text_scale: Annotated[float, Field(ge=1.0, le=2.0, description="Default text size multiplier")] = 1.0
    min_touch_target_px: Annotated[int, Field(ge=44, le=96, description="WCAG 2.5.5: at least 44 px")] = 48
    offer_high_contrast: Annotated[bool, Field(description="Offer a high-contrast (7:1) mode")] = True
    offer_dyslexia_font: bool = False
    reduce_motion: Annotated[bool, Field(description="No animations, whatever the device asks")] = False
    easy_read: Annotated[bool, Field(description="Texts are written in plain language (B1)")] = False


class ModuleBase(Strict):
    """The envelope of every module; `settings` is the type's own model."""

    id: Annotated[Code, Field(description="Unique in the document; apps route to it")]
    type: ModuleTypeName
    enabled: bool = True
    title: Label
    platforms: Annotated[list[AppPlatform], Field(min_length=1, max_length=3)] = Field(
        default_factory=lambda: list(AppPlatform)
    )
    settings: BaseModel


class AppConfigBase(Strict):
    """The document. Validate documents with `document_model(module_types)`, never with this base."""

    schema_version: Literal[1] = SCHEMA_VERSION
    name: Annotated[Label, Field(description="The app's name")]
    short_name: Annotated[Label | None, Field(description="Under the home-screen icon (12 characters fit)")] = None
    theme: Theme
    languages: Languages
    accessibility: Accessibility = Field(default_factory=Accessibility)
    strings: Annotated[dict[StringKey, Label | Paragraph], Field(max_length=MAX_STRINGS)]
    modules: Annotated[list[ModuleBase], Field(max_length=MAX_MODULES)]


# ---------------------------------------------------------------------------------------------- module types


@dataclass(frozen=True)
class DefaultContext:
    """What a module type sees when the default configuration of a tenant is derived."""

    tenant: Tenant
    categories: Sequence[Category]
    languages: Sequence[str]
    texts: Callable[[str], dict[str, str]]  # a default text by key, in `languages`


@dataclass(frozen=True)
class CheckContext:
    """What a module type's check sees. Paths given to it are relative to the module's `settings`."""

    tenant: Tenant
    categories: Mapping[str, Category]
    languages: Sequence[str]
    at: Path

    def finding(self, code: str, where: Path, message: str) -> Finding:
        return Finding(code, (*self.at, *where), message)

    def condition_fields(
        self, condition: Condition, where: Path, known: Callable[[str], bool], subject: str
    ) -> list[Finding]:
        """A finding for each field the condition reads that `known` does not know. (Every condition anywhere
        in a document is also checked to compile and to use only operators the apps have.)"""
        from koban.app_config.logic import field_findings

        return field_findings(condition.root, (*self.at, *where), known, subject)

    def missing_translations(self, text: Translated | None, where: Path, subject: str) -> list[Finding]:
        """A finding for each enabled language `text` lacks (for texts a module takes from elsewhere)."""
        available = text.root if text is not None else {}
        return [
            self.finding("translation_missing", (*where, language), f"{subject} has no text in '{language}'")
            for language in self.languages
            if language not in available
        ]


@dataclass(frozen=True)
class RenderContext:
    """What a module type sees when a published document is rendered for one platform and locale."""

    tenant: Tenant
    categories: Mapping[str, Category]
    preferred: Sequence[str]  # the locale first, then the document's default language

    def text(self, text: Translated | Mapping[str, str] | None) -> str | None:
        if text is None:
            return None
        return pick(text.root if isinstance(text, TRANSLATED_TYPES) else text, self.preferred)

    def plain(self, value: Any) -> Any:
        """`value` as JSON with every translated text resolved to the locale (a module's default rendering)."""
        if isinstance(value, TRANSLATED_TYPES):
            return self.text(value)
        if isinstance(value, Condition):
            return value.root
        if isinstance(value, BaseModel):
            return {name: self.plain(getattr(value, name)) for name in type(value).model_fields}
        if isinstance(value, list | tuple):
            return [self.plain(item) for item in value]
        if isinstance(value, dict):
            return {key: self.plain(item) for key, item in value.items()}
        if isinstance(value, StrEnum):
            return str(value)
        return value


SettingsT = TypeVar("SettingsT", bound=BaseModel)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: definitions are made once, by plugins
class AppModuleType(Generic[SettingsT]):
    """A kind of module an app can show. Plugins contribute these through `koban_app_module_types`.

    `name` is the `type` in documents; `settings` the pydantic model of its settings (it may use `Label`,
    `Paragraph`, `ArticleText` and `Condition`: translations and conditions are then checked for it); `title`
    its default title by language; `description` one English sentence for the designer. Optional: `default`
    gives the settings of the tenant's default configuration (None leaves the module out of it), `check`
    yields findings beyond the schema (use the context's helpers), `render` turns settings into what apps get
    (by default every translated text is resolved to the locale).
    """

    name: str
    settings: type[SettingsT]
    title: Mapping[str, str]
    description: str
    default: Callable[[DefaultContext], SettingsT | None] | None = None
    check: Callable[[SettingsT, CheckContext], Iterable[Finding]] | None = None
    render: Callable[[SettingsT, RenderContext], dict[str, Any]] | None = None


ModuleTypes = Mapping[str, AppModuleType[Any]]


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _module_model(definition: AppModuleType[Any]) -> type[ModuleBase]:
    settings_type = definition.settings
    try:
        settings_type()
        settings_default: Any = Field(default_factory=settings_type)
    except ValueError:  # required settings: the document must give them
        settings_default = ...
    model: type[ModuleBase] = create_model(
        f"{_camel(definition.name)}Module",
        __base__=ModuleBase,
        __doc__=definition.description,
        type=(Literal[definition.name], ...),  # type: ignore[arg-type]
        settings=(settings_type, settings_default),
    )
    return model


@lru_cache(maxsize=32)
def _document_model(definitions: tuple[AppModuleType[Any], ...]) -> type[AppConfigBase]:
    modules: list[type[ModuleBase]] = [_module_model(definition) for definition in definitions]
    module: Any
    if not modules:
        module = Annotated[Any, Field(max_length=0)]
    elif len(modules) == 1:
        module = modules[0]
    else:
        module = Annotated[Union[tuple(modules)], Discriminator("type")]  # noqa: UP007 - a runtime union
    model: type[AppConfigBase] = create_model(
        "AppConfig",
        __base__=AppConfigBase,
        __doc__="A KOBAN citizen app configuration (App Factory).",
        modules=(Annotated[list[module], Field(max_length=MAX_MODULES)], ...),
    )
    return model


def document_model(module_types: ModuleTypes) -> type[AppConfigBase]:
    """The pydantic model of documents whose modules are of `module_types` (built once per set of types)."""
    return _document_model(tuple(module_types[name] for name in sorted(module_types)))
