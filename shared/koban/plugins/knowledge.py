"""Knowledge items that plugins bring (hook `koban_knowledge_items`): a city's FAQ for the assistant, seeded into
the tenant's knowledge repository where the deployment seeds it (the local home at start-up; the passage vectors
are computed by the assistant's build step, never at a function's cold start). Admins edit them afterwards through
the knowledge endpoints like any other item.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, ValidationError

from koban.assistant.models import ItemId, KnowledgeItemIn
from koban.plugins import PluginConfigurationError
from koban.tenants.models import Tenant

# The item id is `<topic>-<language>`, and ids have at most 64 characters.
Topic = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{2,59}$")]


class KnowledgeSeed(KnowledgeItemIn):
    """A knowledge item as a plugin contributes it: the item (`KnowledgeItemIn`), its id, and the topic it
    belongs to, so that the same topic in each of the tenant's languages can be checked to exist."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: ItemId
    topic: Topic | None = Field(default=None, description="The same answer in other languages shares the topic")


def plugin_knowledge(tenant: Tenant) -> list[KnowledgeSeed]:
    """Every knowledge item the plugins bring for `tenant`, the plugin called first first.

    Raises `PluginConfigurationError` for an item that is not a valid `KnowledgeSeed` or an id given twice.
    """
    from koban.plugins.host import plugin_manager

    seeds: list[KnowledgeSeed] = []
    seen: set[str] = set()
    for contribution in plugin_manager().hook.koban_knowledge_items(tenant=tenant):
        for item in contribution or ():
            try:
                seed = KnowledgeSeed.model_validate(item, from_attributes=True)
            except ValidationError as error:
                raise PluginConfigurationError(
                    f"koban_knowledge_items for '{tenant.id}' gave an invalid item: {error}"
                ) from error
            if seed.id in seen:
                raise PluginConfigurationError(
                    f"koban_knowledge_items for '{tenant.id}' gives the item '{seed.id}' twice"
                )
            seen.add(seed.id)
            seeds.append(seed)
    return seeds
