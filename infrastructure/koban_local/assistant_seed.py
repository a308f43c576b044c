"""The assistant's knowledge the plugins bring (`koban_knowledge_items`), written into the local home's knowledge
bucket at start-up (the passage vectors come precomputed from `assistant_data/knowledge_vectors.npz`, so no model
runs here)."""

from __future__ import annotations

from koban.assistant.knowledge import save_items
from koban.tenants.service import list_tenants
from koban_local.assistant_build import seed_items, seed_tenants, seed_vectors


def seed_knowledge() -> dict[str, int]:
    """Store the seeded items of every tenant whose plugins bring knowledge; return how many per tenant."""
    known = {tenant.id for tenant in list_tenants()}
    counts: dict[str, int] = {}
    for tenant in seed_tenants():
        items = seed_items(tenant)
        if tenant in known and items:
            save_items(tenant, items, seed_vectors)
            counts[tenant] = len(items)
    return counts
