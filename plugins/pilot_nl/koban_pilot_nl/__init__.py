"""KOBAN pilot plugin for `pilot-nl` (Amsterdam, Politie Eenheid Amsterdam).

The wijkagent (community police officer) in Dutch and English, the city's enforcement officers (Handhaving) for
parking and the canals, and local categories for youth nuisance, street harassment, the water and abandoned
bicycles. Everything is data in this folder (see README.md); this module only exposes the hooks `DataPlugin` builds
from it.
"""

from pathlib import Path

from koban.plugins.package import DataPlugin

plugin = DataPlugin(Path(__file__).parent, name="pilot_nl")
(
    koban_tenants,
    koban_categories,
    koban_rules,
    koban_translations,
    koban_knowledge_items,
    koban_notification_adapters,
    koban_assistant_examples,
) = plugin.hooks()
