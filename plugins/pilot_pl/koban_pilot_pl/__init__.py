"""KOBAN pilot plugin for `pilot-pl` (Warszawa, Komenda Stołeczna Policji).

The taxonomy follows the National Safety Threat Map (Krajowa Mapa Zagrożeń Bezpieczeństwa, KMZB): its categories and
its status names, in Polish, Ukrainian (the largest community the pilot serves) and English. Everything is data in
this folder (see README.md); this module only exposes the hooks `DataPlugin` builds from it.
"""

from pathlib import Path

from koban.plugins.package import DataPlugin

plugin = DataPlugin(Path(__file__).parent, name="pilot_pl")
(
    koban_tenants,
    koban_categories,
    koban_rules,
    koban_translations,
    koban_knowledge_items,
    koban_notification_adapters,
    koban_assistant_examples,
) = plugin.hooks()
