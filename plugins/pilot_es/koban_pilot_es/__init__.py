"""KOBAN pilot plugin for `pilot-es` (Madrid, Policía Municipal de Madrid).

The policía de barrio in Spanish and English, with the Agentes Tutores unit for minors and schools, SAMUR Social for
people sleeping rough, and local categories for the botellón, terrace noise and school safety. Everything is data in
this folder (see README.md); this module only exposes the hooks `DataPlugin` builds from it.
"""

from pathlib import Path

from koban.plugins.package import DataPlugin

plugin = DataPlugin(Path(__file__).parent, name="pilot_es")
(
    koban_tenants,
    koban_categories,
    koban_rules,
    koban_translations,
    koban_knowledge_items,
    koban_notification_adapters,
    koban_assistant_examples,
) = plugin.hooks()
