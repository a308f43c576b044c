"""`koban plugins` (what is installed, and a check of it) and `koban plugin new NAME` (a new city plugin).

`koban plugins` lists every registered plugin: where it comes from (built in, or its distribution and version),
the hooks it implements (with pluggy's wrapper/trylast flags), and what it brings: tenants, its own categories,
rule sets and message languages. `--check` also builds every tenant's taxonomy and rules and runs the checks of
`koban.plugins.checks` (texts in every tenant language, rule facts and results, worked examples). A plugin that
cannot be loaded is reported by name and the command exits with 2.

`koban plugin new NAME` writes an installable, tested plugin package from `plugin_template/`: pyproject with the
`koban` entry point, tenant.json, categories.json (one local category), rules.json (a routing rule), worked
examples, a README and a test.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from string import Template
from typing import Any

PLUGIN_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")
TEMPLATE = Path(__file__).with_name("plugin_template")
GENERIC_UNITS = ("neighbourhood_team", "traffic_unit", "cybercrime_desk", "community_liaison", "municipality")


def add_commands(commands: Any) -> None:
    """Register `plugins` and `plugin new` on the `koban` command line (`commands` is its subparsers)."""
    from koban.i18n import SUPPORTED_LANGUAGES

    listing = commands.add_parser("plugins", help="list the installed plugins: hooks, tenants, categories, rules")
    listing.add_argument("--json", action="store_true", help="print JSON instead of text")
    listing.add_argument(
        "--check", action="store_true", help="also check every tenant's texts, rules and worked examples"
    )
    listing.set_defaults(run=_plugins)

    plugin = commands.add_parser("plugin", help="write a new city plugin")
    actions = plugin.add_subparsers(dest="plugin_command", required=True, metavar="ACTION")
    new = actions.add_parser("new", help="write an installable, tested plugin package koban-NAME")
    new.add_argument("name", metavar="NAME", help="lower-case letters, digits and dashes; also the tenant id")
    new.add_argument("--dir", type=Path, default=Path(), help="where to create koban-NAME/ (default: here)")
    new.add_argument("--display-name", help="the force or city, e.g. 'Politiezone Gent' (default: NAME)")
    new.add_argument("--country", default="BE", help="ISO 3166 country code (default BE)")
    new.add_argument("--timezone", default="Europe/Brussels", help="IANA time zone (default Europe/Brussels)")
    new.add_argument(
        "--language",
        action="append",
        choices=SUPPORTED_LANGUAGES,
        help="a language of the tenant, the first is its default (repeatable; default en). Another language needs "
        "its translations added (see plugins/README.md)",
    )
    new.add_argument("--centre", default="50.85,4.35", help="LAT,LON of the area's centre (default Brussels)")
    new.set_defaults(run=_new_plugin)


# ------------------------------------------------------------------------------------------------ listing


def _call(function: Callable[..., Any], argnames: Iterable[str], **values: Any) -> Any:
    return function(**{name: values[name] for name in argnames})


def describe_plugins() -> list[dict[str, Any]]:
    """Every registered plugin with where it comes from, its hooks and what it brings (JSON-ready)."""
    from koban.i18n import SUPPORTED_LANGUAGES
    from koban.plugins.host import plugin_manager, plugin_origin
    from koban.plugins.package import DataPlugin
    from koban.tenants.service import list_tenants

    manager = plugin_manager()
    tenants = list_tenants()
    languages = sorted({*SUPPORTED_LANGUAGES, *(language for tenant in tenants for language in tenant.languages)})
    described = []
    for name, plugin in sorted(manager.list_name_plugin(), key=lambda pair: (pair[0] != "koban_default", pair[0])):
        hooks: list[dict[str, Any]] = []
        brings: dict[str, Any] = {"tenants": [], "categories": {}, "rules": {}, "messages": [], "taxonomy_texts": {}}
        for caller in sorted(manager.get_hookcallers(plugin) or [], key=lambda caller: caller.name):
            impl = next(impl for impl in caller.get_hookimpls() if impl.plugin is plugin)
            flags = [flag for flag in ("wrapper", "hookwrapper", "tryfirst", "trylast") if getattr(impl, flag)]
            hooks.append({"hook": caller.name, "flags": flags})
            if flags and flags[0] in ("wrapper", "hookwrapper"):
                continue
            if caller.name == "koban_tenants":
                brings["tenants"] = [
                    {
                        "id": tenant.id,
                        "name": tenant.name,
                        "languages": list(tenant.languages),
                        "timezone": tenant.timezone,
                        "units": len(tenant.units),
                    }
                    for tenant in _call(impl.function, impl.argnames)
                ]
            elif caller.name in ("koban_categories", "koban_rules"):
                field = "categories" if caller.name == "koban_categories" else "rules"
                for tenant in tenants:
                    given = _call(impl.function, impl.argnames, tenant=tenant)
                    if given:
                        codes = [item.code for item in given] if field == "categories" else list(given)
                        brings[field][tenant.id] = sorted(codes)
            elif caller.name == "koban_translations":
                brings["messages"] = [
                    language for language in languages if _call(impl.function, impl.argnames, language=language)
                ]
        data = getattr(plugin, "plugin", None)
        if isinstance(data, DataPlugin):  # its own categories come through a wrapper
            own = sorted(category.code for category in data.own_categories)
            brings["categories"] = {tenant_id: own for tenant_id in data.tenant_ids if own}
            brings["taxonomy_texts"] = {language: len(texts) for language, texts in sorted(data.texts.items())}
        described.append({"name": name, "origin": plugin_origin(manager, name), "hooks": hooks, **brings})
    return described


def _grouped(per_tenant: dict[str, list[str]], all_tenants: set[str]) -> list[tuple[list[str], str]]:
    """(items, tenants) with the tenants that get the same items together ('every tenant' when all do)."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for tenant_id, items in sorted(per_tenant.items()):
        groups.setdefault(tuple(items), []).append(tenant_id)
    return [
        (list(items), "every tenant" if set(tenant_ids) == all_tenants else ", ".join(tenant_ids))
        for items, tenant_ids in groups.items()
    ]


def render_plugins(described: list[dict[str, Any]], tenant_ids: set[str]) -> str:
    """The text `koban plugins` prints."""
    lines = []
    for entry in described:
        lines.append(f"{entry['name']}  ({entry['origin']})")
        hooks = [hook["hook"] + (f" [{', '.join(hook['flags'])}]" if hook["flags"] else "") for hook in entry["hooks"]]
        lines.append(f"  hooks       {', '.join(hooks) or '-'}")
        for tenant in entry["tenants"]:
            lines.append(
                f"  tenant      {tenant['id']}: {tenant['name']} ({', '.join(tenant['languages'])}; "
                f"{tenant['timezone']}; {tenant['units']} units)"
            )
        for items, who in _grouped(entry["categories"], tenant_ids):
            lines.append(f"  categories  {len(items)} for {who}: {', '.join(items)}")
        for items, who in _grouped(entry["rules"], tenant_ids):
            lines.append(f"  rules       {', '.join(items)} ({who})")
        if entry["taxonomy_texts"]:
            counts = [
                f"{language} ({count} {'category' if count == 1 else 'categories'})"
                for language, count in entry["taxonomy_texts"].items()
            ]
            lines.append(f"  texts       {', '.join(counts)}")
        if entry["messages"]:
            lines.append(f"  messages    {', '.join(entry['messages'])}")
        lines.append("")
    return "\n".join(lines)


def startup_problem() -> str | None:
    """What stops the plugins from loading (naming the plugin), or None: `koban serve` asks before it starts."""
    from koban.plugins import PluginConfigurationError
    from koban.tenants.service import check_configuration

    try:
        check_configuration()
    except PluginConfigurationError as error:
        return str(error)
    return None


def check_plugins() -> list[str]:
    """Problems of every tenant's texts, rules and (for data plugins) worked examples."""
    from koban.plugins.checks import load_rule_examples, rule_problems, translation_problems
    from koban.plugins.host import plugin_manager
    from koban.plugins.package import DataPlugin
    from koban.tenants.service import check_configuration

    examples: dict[str, list[Any]] = {}
    for _, plugin in plugin_manager().list_name_plugin():
        data = getattr(plugin, "plugin", None)
        if isinstance(data, DataPlugin):
            found = load_rule_examples(data.folder / "rule_examples.json")
            for tenant_id in data.tenant_ids:
                examples.setdefault(tenant_id, []).extend(found)
    problems = []
    for tenant in check_configuration():
        problems += translation_problems(tenant)
        problems += rule_problems(tenant, examples.get(tenant.id, ()))
    return [str(problem) for problem in problems]


def _plugins(arguments: argparse.Namespace) -> int:
    from koban.plugins import PluginConfigurationError
    from koban.tenants.service import check_configuration

    try:
        tenant_ids = {tenant.id for tenant in check_configuration()}
        described = describe_plugins()
        problems = check_plugins() if arguments.check else []
    except PluginConfigurationError as error:
        print(f"koban: {error}", file=sys.stderr)
        return 2
    if arguments.json:
        print(json.dumps({"plugins": described, "problems": problems}, ensure_ascii=False, indent=1))
    else:
        print(render_plugins(described, tenant_ids), end="")
        if arguments.check:
            print("\n".join(problems) if problems else "Check: every tenant's texts, rules and examples are sound.")
    return 1 if problems else 0


# -------------------------------------------------------------------------------------------- scaffolding


def _localised(texts: dict[str, str], languages: list[str]) -> dict[str, str]:
    return {language: texts[language] for language in languages}


def scaffold(
    name: str,
    parent: Path,
    *,
    display_name: str | None = None,
    country: str = "BE",
    timezone: str = "Europe/Brussels",
    languages: list[str] | None = None,
    centre: tuple[float, float] = (50.85, 4.35),
) -> Path:
    """Write the package `koban-<name>` under `parent`; returns its folder. Raises ValueError for a bad name or
    an existing folder, and for a tenant the template cannot make valid (checked before anything is written)."""
    from koban.tenants.models import Category, Tenant

    if not PLUGIN_NAME.match(name):
        raise ValueError(f"plugin name {name!r}: 2 to 32 lower-case letters, digits and dashes, starting with a letter")
    chosen = languages or ["en"]
    texts = json.loads((TEMPLATE / "texts.json").read_text(encoding="utf-8"))
    module = "koban_" + name.replace("-", "_")
    lat, lon = centre
    title = display_name or name
    tenant = {
        "id": name,
        "name": title,
        "country": country,
        "languages": chosen,
        "timezone": timezone,
        "area": {
            "bbox": [round(value, 4) for value in (lon - 0.1, lat - 0.07, lon + 0.1, lat + 0.07)],
            "centre": [lat, lon],
            "name": title,
        },
        "units": [
            {
                "code": code,
                "name": _localised(texts["units"][code], chosen),
                "kind": "municipality" if code == "municipality" else "police",
                "contacts": [{"channel": "email", "value": f"{code.replace('_', '-')}@{name}.koban.example"}],
            }
            for code in GENERIC_UNITS
        ],
    }
    example = texts["category"]
    category = {
        "code": "market_nuisance",
        "group": "nuisance",
        "maps_to": "antisocial_behaviour",
        "default_unit": "neighbourhood_team",
        "deadline_hours": 72,
        "name": _localised(example["name"], chosen),
        "description": _localised(example["description"], chosen),
        "keywords": _localised(example["keywords"], chosen),
        "questions": [{"code": "ongoing", "type": "boolean", "label": _localised(example["ongoing"], chosen)}],
    }
    rules = {"routing": {"if": [{"==": [{"var": "category"}, "market_nuisance"]}, "municipality", None]}}
    examples = [
        {
            "rule": "routing",
            "category": "market_nuisance",
            "expect": "municipality",
            "why": "the market supervisors work for the municipality",
        },
        {"rule": "routing", "category": "noise_night", "expect": None, "why": "no rule: the category's own unit"},
    ]
    Tenant.model_validate(tenant)  # a bad country, time zone or centre is refused before a file is written
    Category.model_validate(category)
    folder = parent / f"koban-{name}"
    if folder.exists():
        raise ValueError(f"{folder} exists already")
    values = {
        "name": name,
        "tenant_id": name,
        "display_name": title,
        "distribution": f"koban-{name}",
        "module": module,
        "entry_point": name.replace("-", "_"),
    }
    package = folder / module
    for template, target in (
        ("pyproject.toml.tmpl", folder / "pyproject.toml"),
        ("README.md.tmpl", folder / "README.md"),
        ("package/__init__.py.tmpl", package / "__init__.py"),
        ("tests/test_plugin.py.tmpl", folder / "tests" / "test_plugin.py"),
    ):
        target.parent.mkdir(parents=True, exist_ok=True)
        text = Template((TEMPLATE / template).read_text(encoding="utf-8")).substitute(values)
        target.write_text(text, encoding="utf-8")
    for file, content in (
        ("tenant.json", tenant),
        ("categories.json", [category]),
        ("rules.json", rules),
        ("rule_examples.json", examples),
    ):
        (package / file).write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return folder


def _new_plugin(arguments: argparse.Namespace) -> int:
    from pydantic import ValidationError

    try:
        lat, lon = (float(part) for part in arguments.centre.split(","))
        folder = scaffold(
            arguments.name,
            arguments.dir,
            display_name=arguments.display_name,
            country=arguments.country,
            timezone=arguments.timezone,
            languages=arguments.language,
            centre=(lat, lon),
        )
    except (ValueError, ValidationError) as error:
        print(f"koban: {error}", file=sys.stderr)
        return 2
    print(f"Wrote {folder}. Next: cd {folder} && pip install -e . && pytest && koban plugins")
    return 0
