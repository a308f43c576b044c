"""KOBAN pilot plugin for `pilot-pt` (Lisboa, PSP Comando Metropolitano de Lisboa).

The agente de proximidade in Portuguese and English, with the PSP's Escola Segura and Apoio 65 programmes as units,
and local categories for scams on older people, tuk-tuks and safety near schools. Everything is data in this folder
(see README.md); this module only exposes the hooks `DataPlugin` builds from it.
"""

from pathlib import Path

from koban.plugins.package import DataPlugin

plugin = DataPlugin(Path(__file__).parent, name="pilot_pt")
(
    koban_tenants,
    koban_categories,
    koban_rules,
    koban_translations,
    koban_knowledge_items,
    koban_notification_adapters,
    koban_assistant_examples,
) = plugin.hooks()
