"""`koban`: run the embedded default, and hand out the local home's staff tokens and Open311 keys.

koban serve [--host 127.0.0.1] [--port 8000] [--no-seed] [--seed-reports N]
koban token --tenant T --role R      prints only the token, for $(koban token ...)
koban api-key --tenant T             prints only the Open311 API key
koban openapi [--write PATH]         prints (or writes) the OpenAPI document built from the handlers
koban plugins [--json] [--check]     lists the installed plugins: hooks, tenants, categories, rules
koban audit verify [--tenant T]      verifies the audit log's hash chain and its anchors (exit 1 on tampering)
koban audit anchor                   anchors every tenant's audit head that moved (what the 15-minute job does)
koban privacy maintain               finishes interrupted erasures and anonymises closed reports past their
                                     retention now (exit status 1 when some fail)
koban plugin new NAME [--dir PATH]   writes a new, installable and tested city plugin package
"""

from __future__ import annotations

import argparse
import importlib
import io
import logging
import os
import signal
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import FrameType
from typing import TextIO

from koban_local.gateway import LocalGateway
from koban_local.home import LocalHome
from koban_local.plugin_tools import add_commands as add_plugin_commands
from koban_local.plugin_tools import startup_problem
from koban_local.streams import StreamPoller
from koban_local.template import LOCAL_STACK_NAME, Template
from koban_local.tokens import ROLES, issue_open311_key, issue_staff_token

PILOT_TENANTS = ("pilot-nl", "pilot-pl", "pilot-fi", "pilot-es", "pilot-pt", "pilot-be")
DEMO_ROLES = ("officer", "supervisor", "admin")
# 6 x 4,000 = 24,000 reports with ~80,000 history events: about a minute against moto, in the background.
DEFAULT_SEED_REPORTS = 4000
# How long the seeder waits for the stream consumers to catch up before it says so.
# moto parses every DynamoDB update expression anew (~25 ms a report's counters), so the dashboard counters of a
# full seed take minutes to catch up locally; in DynamoDB the same consumer keeps pace with the stream.
_SEED_DRAIN_TIMEOUT_S = 3600.0

log = logging.getLogger("koban_local")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="koban", description="KOBAN's embedded default and its credentials.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the API, seeded, on this machine")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000; 0 = any)")
    serve.add_argument("--no-seed", dest="seed", action="store_false", help="start with empty tables")
    serve.add_argument(
        "--seed-reports",
        type=int,
        default=DEFAULT_SEED_REPORTS,
        metavar="N",
        help=f"synthetic reports per tenant (default {DEFAULT_SEED_REPORTS})",
    )
    serve.set_defaults(run=_serve)

    token = commands.add_parser("token", help="print a staff bearer token valid on the local gateway")
    token.add_argument("--tenant", required=True)
    token.add_argument("--role", required=True, choices=ROLES)
    token.set_defaults(run=_token)

    api_key = commands.add_parser("api-key", help="print the Open311 API key of a tenant")
    api_key.add_argument("--tenant", required=True)
    api_key.set_defaults(run=_api_key)

    openapi = commands.add_parser("openapi", help="print the OpenAPI document built from every function's routes")
    openapi.add_argument("--write", type=Path, metavar="PATH", help="write it to PATH instead")
    openapi.set_defaults(run=_openapi)

    aggregates = commands.add_parser("aggregates", help="dashboard counters")
    aggregates_commands = aggregates.add_subparsers(dest="aggregates_command", required=True, metavar="ACTION")
    rebuild = aggregates_commands.add_parser("rebuild", help="recompute the counters from the reports")
    rebuild.add_argument("--tenant", action="append", help="a tenant (repeatable; default: every tenant)")
    _add_store_arguments(rebuild, "table names in the environment (REPORTS_TABLE, AGGREGATES_TABLE) are used")
    rebuild.set_defaults(run=_rebuild_aggregates)

    audit = commands.add_parser("audit", help="the tamper-evident audit log")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = audit_commands.add_parser(
        "verify",
        help="check the hash chain and its anchors: entries checked, the head hash, OK or the first broken entry",
    )
    verify.add_argument("--tenant", action="append", help="a tenant (repeatable; default: every tenant)")
    _add_store_arguments(
        verify, "names in the environment (AUDIT_TABLE, AUDIT_ANCHORS_BUCKET when anchors are kept) are used"
    )
    verify.set_defaults(run=_verify_audit)
    anchor = audit_commands.add_parser(
        "anchor", help="copy each tenant's head that moved into the anchors bucket now (what the 15-minute job does)"
    )
    _add_store_arguments(anchor, "names in the environment (AUDIT_TABLE, AUDIT_ANCHORS_BUCKET) are used")
    anchor.set_defaults(run=_anchor_audit)

    privacy = commands.add_parser("privacy", help="personal data")
    privacy_commands = privacy.add_subparsers(dest="privacy_command", required=True, metavar="ACTION")
    maintain = privacy_commands.add_parser(
        "maintain",
        help="finish every tenant's interrupted erasures and anonymise closed reports past retention now "
        "(what the hourly job does)",
    )
    _add_store_arguments(
        maintain, "names in the environment (the tables, ATTACHMENTS_BUCKET, SUBJECT_INDEX_KEY) are used"
    )
    maintain.set_defaults(run=_maintain_privacy)

    add_plugin_commands(commands)  # koban plugins, koban plugin new NAME

    arguments = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = arguments.run
    return run(arguments)


def _add_store_arguments(command: argparse.ArgumentParser, names_from_environment: str) -> None:
    """--endpoint-url and --stack-name of a command that works on the stores, locally or in the AWS account."""
    command.add_argument(
        "--endpoint-url",
        help="a running `koban serve`'s local AWS (printed at start); without it, the AWS account and the "
        f"{names_from_environment}",
    )
    command.add_argument(
        "--stack-name",
        default=LOCAL_STACK_NAME,
        help=f"with --endpoint-url: the stack name prefixing the local tables (default {LOCAL_STACK_NAME})",
    )


def _token(arguments: argparse.Namespace) -> int:
    if not _known_tenant(arguments.tenant):
        return 2
    print(issue_staff_token(arguments.tenant, arguments.role))
    return 0


def _api_key(arguments: argparse.Namespace) -> int:
    if not _known_tenant(arguments.tenant):
        return 2
    print(issue_open311_key(arguments.tenant))
    return 0


def _openapi(arguments: argparse.Namespace) -> int:
    from koban_local.openapi import render_openapi

    document = render_openapi(Template.load(home() / "template.yaml"))
    if arguments.write:
        arguments.write.write_text(document, encoding="utf-8")
    else:
        print(document, end="")
    return 0


def _rebuild_aggregates(arguments: argparse.Namespace) -> int:
    if arguments.endpoint_url:
        _point_at_local_home(arguments.endpoint_url, arguments.stack_name)
    from koban.aggregation.service import rebuild_aggregates

    for tenant in arguments.tenant or tenant_ids():
        result = rebuild_aggregates(tenant)
        print(f"{tenant}: {result.reports} reports, {result.counters} counters, {result.corrected} corrected")
    return 0


def _verify_audit(arguments: argparse.Namespace) -> int:
    if arguments.endpoint_url:
        _point_at_local_home(arguments.endpoint_url, arguments.stack_name, "AuditFunction")
    from koban.audit.service import verify

    intact = True
    for tenant in arguments.tenant or tenant_ids():
        result = verify(tenant)
        head = f"head {result.head.seq} {result.head.hash}" if result.head else "head unreadable"
        outcome = (
            "OK" if result.ok else f"BROKEN at entry {result.first_broken_seq} ({result.breakage}): {result.reason}"
        )
        anchors = (
            "anchors not configured" if result.anchors_checked is None else f"{result.anchors_checked} anchors checked"
        )
        print(f"{tenant}: {result.entries_checked} entries checked, {head}, {outcome} ({anchors})")
        intact = intact and result.ok
    return 0 if intact else 1


def _anchor_audit(arguments: argparse.Namespace) -> int:
    if arguments.endpoint_url:
        _point_at_local_home(arguments.endpoint_url, arguments.stack_name, "AuditAnchorFunction")
    from koban.audit.service import anchor_heads
    from koban.errors import StorageError

    try:
        outcomes = anchor_heads()
    except StorageError as error:  # no bucket configured, or a tenant's head could not be anchored
        print(f"koban: {error.detail}", file=sys.stderr)
        return 1
    for anchored in outcomes:
        head = f" {anchored.head.seq} {anchored.head.hash}" if anchored.head and anchored.head.seq else ""
        print(f"{anchored.tenant}: {anchored.outcome}{head}")
    return 0


def _maintain_privacy(arguments: argparse.Namespace) -> int:
    if arguments.endpoint_url:
        _point_at_local_home(arguments.endpoint_url, arguments.stack_name, "PrivacyMaintenanceFunction")
    from koban.privacy.maintenance import maintain

    outcome = maintain()
    more = "; more left for the next run" if outcome.more_left else ""
    print(
        f"{outcome.tenants} tenants: interrupted erasures finished {outcome.finished}, "
        f"closed reports past retention anonymised {outcome.anonymised}, still failing {outcome.still_failing}{more}"
    )
    return 0 if outcome.still_failing == 0 else 1


def _point_at_local_home(endpoint_url: str, stack_name: str, function_id: str = "ReportsFunction") -> None:
    """Address the tables of a running `koban serve` (they are named from the template, as it names them), with
    the environment of `function_id`."""
    import boto3

    from koban.caches import reset_process_caches
    from koban_local.aws_local import LOCAL_CREDENTIALS, existing_resource_names
    from koban_local.template import LOCAL_REGION

    template = Template.load(home() / "template.yaml")
    kms = boto3.client(
        "kms",
        endpoint_url=endpoint_url,
        region_name=LOCAL_REGION,
        aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=LOCAL_CREDENTIALS["AWS_SESSION_TOKEN"],
    )
    names = existing_resource_names(template, kms, stack_name)
    environment = template.resolve_environment(function_id, names, stack_name=stack_name)
    # moto answers an index page by scanning the whole table: a full local seed takes longer than a Lambda's 5 s.
    local = {"AWS_ENDPOINT_URL": endpoint_url, "KOBAN_AWS_READ_TIMEOUT_SECONDS": "120"}
    os.environ.update({**environment, **LOCAL_CREDENTIALS, **local})
    os.environ.setdefault("AWS_DEFAULT_REGION", LOCAL_REGION)
    reset_process_caches()


def _known_tenant(tenant: str) -> bool:
    known = tenant_ids()
    if tenant not in known:
        print(f"koban: unknown tenant {tenant!r}; tenants: {', '.join(known)}", file=sys.stderr)
        return False
    return True


def tenant_ids() -> list[str]:
    """The tenants the domain package knows, or the six pilots where it (or a plugin) cannot be imported."""
    try:
        service = importlib.import_module("koban.tenants.service")
        return [str(tenant.id) for tenant in service.list_tenants()]
    except ImportError:
        return list(PILOT_TENANTS)


def home() -> Path:
    """The repository root, where template.yaml is: $KOBAN_HOME, else the source tree this package is in."""
    configured = os.environ.get("KOBAN_HOME")
    return Path(configured).resolve() if configured else Path(__file__).resolve().parents[2]


def _serve(arguments: argparse.Namespace) -> int:
    # powertools warns for every response without a metric (every refused request); noise on a console.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    metrics_log = Path(tempfile.gettempdir()) / "koban-local-metrics.jsonl"
    sys.stdout = _MetricsToFile(sys.stdout, metrics_log)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("botocore").setLevel(logging.WARNING)  # it announces every endpoint and credential found
    root = home()
    problem = startup_problem()  # a broken plugin stops the start, naming itself
    if problem is not None:
        print(f"koban: {problem}", file=sys.stderr)
        return 2
    template_path = root / "template.yaml"
    if not template_path.is_file():
        print(f"koban: no template.yaml in {root}; set KOBAN_HOME to the repository.", file=sys.stderr)
        return 2
    with LocalHome(root, host=arguments.host, port=arguments.port) as home_:
        print(_banner(home_.gateway, home_.aws.endpoint_url, tenant_ids()), flush=True)
        if arguments.seed:
            # The API answers at once; the synthetic history fills in behind it (about a minute).
            threading.Thread(
                target=_seed, args=(arguments.seed_reports, home_.poller), name="koban-seed", daemon=True
            ).start()
        # A process manager's SIGTERM stops the home as cleanly as Ctrl-C does.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            home_.gateway.serve_forever()
        except KeyboardInterrupt:
            print("\nStopped.")
    return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _seed(reports_per_tenant: int, poller: StreamPoller) -> None:
    from koban_local.seed import seed_all

    started = time.monotonic()
    print(f"Seeding {reports_per_tenant} synthetic reports per tenant in the background...", flush=True)
    counts = seed_all(report_count_per_tenant=reports_per_tenant, progress=lambda line: print(line, flush=True))
    print(
        f"Seed stored: {sum(counts.values())} reports in {time.monotonic() - started:.0f} s. The dashboard "
        "counters follow through the table stream (a few minutes locally).",
        flush=True,
    )
    try:
        poller.drain(timeout=_SEED_DRAIN_TIMEOUT_S)
    except TimeoutError as error:
        print(f"Warning: the stream consumers are still catching up with the seed ({error})")
        return
    print(f"Dashboard counters up to date, {time.monotonic() - started:.0f} s after the start.", flush=True)


class _MetricsToFile(io.TextIOBase):
    """Handlers print CloudWatch EMF metrics as JSON lines on stdout, as Lambda wants; locally they would drown
    the console, so they go to a file and everything else to the console."""

    def __init__(self, console: TextIO, path: Path) -> None:
        self.console = console
        self.path = path
        self.file = path.open("a", encoding="utf-8")
        self._in_metrics = False

    def write(self, text: str) -> int:
        # print() writes the line and its "\n" in two calls: the newline follows its line.
        if text.startswith('{"_aws"'):
            self._in_metrics = True
        target = self.file if self._in_metrics else self.console
        if text.endswith("\n"):
            self._in_metrics = False
        return target.write(text)

    def flush(self) -> None:
        self.console.flush()
        self.file.flush()


def _banner(gateway: LocalGateway, aws_endpoint: str, tenants: Sequence[str]) -> str:
    base = gateway.url.replace("://0.0.0.0:", "://127.0.0.1:")
    lines = [
        "",
        "KOBAN embedded default is running.",
        "",
        f"  API          {base}/v1",
        f"  API docs     {base}/v1/docs",
        f"  OpenAPI      {base}/v1/openapi.json",
        f"  Tenants      {base}/v1/tenants",
    ]
    lines += page_lines(base, gateway.static_roots, tenants)
    lines += [
        f"  Local AWS    {aws_endpoint} (moto; AWS_ENDPOINT_URL for the AWS CLI and boto3)",
        f"  Metrics      {Path(tempfile.gettempdir()) / 'koban-local-metrics.jsonl'} (the functions' EMF lines)",
        "",
        "Staff tokens, valid 12 h (Authorization: Bearer <token>; more: koban token --tenant T --role R)",
        f"  {'TENANT':<10} {'ROLE':<11} TOKEN",
    ]
    for tenant in tenants:
        lines += [f"  {tenant:<10} {role:<11} {issue_staff_token(tenant, role)}" for role in DEMO_ROLES]
    lines += ["", "Open311 API keys (parameter api_key=<key>; more: koban api-key --tenant T)"]
    lines += [f"  {tenant:<10} {issue_open311_key(tenant)}" for tenant in tenants]
    lines += ["", "Press Ctrl-C to stop.", ""]
    return "\n".join(lines)


# The built web pages the banner names; a page that is not built (`make web`) is not listed.
_PAGE_LABELS = {
    "/dashboard/": "Dashboard",
    "/public/": "Public view",
    "/app/": "Citizen app",
    "/designer/": "App designer",
}
# Staff pages, with the role their sign-in link signs in as.
_SIGN_IN_AS = {"/dashboard/": "officer", "/designer/": "admin"}


def page_lines(base: str, prefixes: Iterable[str], tenants: Sequence[str]) -> list[str]:
    """A line per web page; the staff pages' with a link that signs in at once (the token travels in the fragment,
    which the browser never sends and the page removes from the address bar)."""
    order = [*_PAGE_LABELS]
    lines: list[str] = []
    first = tenants[0] if tenants else ""
    for prefix in sorted(prefixes, key=lambda name: order.index(name) if name in order else len(order)):
        label = f"{_PAGE_LABELS.get(prefix, 'Web'):<12}"
        if not first:
            lines.append(f"  {label} {base}{prefix}")
        elif prefix in _SIGN_IN_AS:
            role = _SIGN_IN_AS[prefix]
            link = f"{base}{prefix}#token={issue_staff_token(first, role)}"
            lines += [f"  {label} {base}{prefix}", f"  {'':<12} signed in as {first} {role}: {link}"]
        else:
            lines.append(f"  {label} {base}{prefix}{first}/ (any tenant: {prefix}<tenant>/)")
    return lines


if __name__ == "__main__":
    sys.exit(main())
