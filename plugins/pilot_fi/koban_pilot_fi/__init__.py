"""KOBAN pilot plugin for `pilot-fi` (Helsinki, Helsingin poliisilaitos).

The community police (lähipoliisi) in Finnish, Swedish (the second national language) and English, with local
categories for e-scooters, snow and ice, fireworks and young people at risk (the Anchor team). Everything is data in
this folder (see README.md); this module only exposes the hooks `DataPlugin` builds from it.
"""

from pathlib import Path

from koban.plugins.package import DataPlugin

plugin = DataPlugin(Path(__file__).parent, name="pilot_fi")
(
    koban_tenants,
    koban_categories,
    koban_rules,
    koban_translations,
    koban_knowledge_items,
    koban_notification_adapters,
    koban_assistant_examples,
) = plugin.hooks()
