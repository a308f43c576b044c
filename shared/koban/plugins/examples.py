"""Training examples for the assistant's classifier that plugins bring (hook `koban_assistant_examples`): how
residents of a city ask, in its languages and its force's words. Only the assistant's build step reads them
(`koban_local.assistant_build`); the model it trains is committed, so nothing here runs at a function's cold start.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from koban.assistant.models import Language
from koban.plugins import PluginConfigurationError
from koban.tenants.models import AssistantGroup, Tenant

ExampleText = Annotated[str, Field(min_length=3, max_length=500, pattern=r"\S")]


class AssistantExample(BaseModel):
    """One resident's message and the enquiry category it belongs to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: Language
    category: AssistantGroup
    text: ExampleText


def plugin_examples(tenant: Tenant) -> list[AssistantExample]:
    """Every training example the plugins bring for `tenant`, the plugin called first first.

    Raises `PluginConfigurationError` for an example that is not a valid `AssistantExample` or a text (in one
    language, ignoring case) given twice.
    """
    from koban.plugins.host import plugin_manager

    examples: list[AssistantExample] = []
    seen: set[tuple[str, str]] = set()
    for contribution in plugin_manager().hook.koban_assistant_examples(tenant=tenant):
        for item in contribution or ():
            try:
                example = AssistantExample.model_validate(item, from_attributes=True)
            except ValidationError as error:
                raise PluginConfigurationError(
                    f"koban_assistant_examples for '{tenant.id}' gave an invalid example: {error}"
                ) from error
            key = (example.language, example.text.casefold())
            if key in seen:
                raise PluginConfigurationError(
                    f"koban_assistant_examples for '{tenant.id}' gives the {example.language} example "
                    f"'{example.text}' twice"
                )
            seen.add(key)
            examples.append(example)
    return examples
