"""KOBAN pilot plugin for `pilot-be` (Bruxelles / Brussel, zone de police Bruxelles-Capitale Ixelles).

The agent de quartier / wijkagent / Viertelagent in French, Dutch, German and English, with the City's community
wardens, the regional cleaning agency and Unia as partners, and local categories for nightlife, public urination and
abandoned vehicles. Everything is data in this folder (see README.md); this module only exposes the hooks
`DataPlugin` builds from it.
"""

from pathlib import Path

from koban.plugins.package import DataPlugin

plugin = DataPlugin(Path(__file__).parent, name="pilot_be")
(
    koban_tenants,
    koban_categories,
    koban_rules,
    koban_translations,
    koban_knowledge_items,
    koban_notification_adapters,
    koban_assistant_examples,
) = plugin.hooks()
