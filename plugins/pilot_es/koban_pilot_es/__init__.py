"""KOBAN pilot plugin for `pilot-es` (Madrid): its tenant, declared as data in `tenant.json`."""

from pathlib import Path

from koban.plugins import hookimpl, load_tenant_file

TENANTS = [load_tenant_file(Path(__file__).with_name("tenant.json"))]
koban_tenants = hookimpl(lambda: list(TENANTS))
