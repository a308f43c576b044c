"""The JSON Schema of app configuration documents, published for app builders.

Served per tenant at `GET /v1/tenants/{tenant}/app-config/schema` (with the module types of the tenant's
plugins); the built-in types' schema is also committed as `functions/app_config/app-config.schema.json`,
written by `python -m koban.app_config.json_schema --write <path>` (a test keeps the file current).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from koban.app_config.models import AppConfigBase, document_model

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "https://koban.eu/schemas/app-config.schema.json"


def document_schema(model: type[AppConfigBase]) -> dict[str, Any]:
    """The model's validation schema as a standalone JSON Schema 2020-12 document."""
    schema = model.model_json_schema(mode="validation")
    return {"$schema": SCHEMA_DIALECT, "$id": SCHEMA_ID, **schema}


def builtin_schema() -> dict[str, Any]:
    """The schema of documents that use the built-in module types only."""
    from koban.app_config.modules import builtin_module_types

    return document_schema(document_model({definition.name: definition for definition in builtin_module_types()}))


def schema_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=1, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print or write the JSON Schema of app configurations.")
    parser.add_argument("--write", type=Path, metavar="PATH", help="write it to PATH instead of printing it")
    arguments = parser.parse_args(argv)
    text = schema_text(builtin_schema())
    if arguments.write:
        arguments.write.write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
