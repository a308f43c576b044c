"""`make bench`: figures that do not depend on the machine first, then timings.

1. DynamoDB calls and items read per request kind, at N and 10 N reports per tenant (cost must not grow
   with the data on any request path).
2. The dashboard views at 10,000 and 100,000 reports of one tenant: calls, items and read units, and the
   aggregation consumer's throughput in stream records per second.
3. Import time of each function relative to a bare powertools + boto3 handler (cold-start proxy).
4. Requests per second through the local gateway (HTTP keep-alive) next to calling the handler directly.
5. The assistant: cold initialisation, warm p50/p95 per message, its package size against Lambda's limit.
6. An area alert fanned out to 10,000 subscribers: AWS calls per delivery, alerts and deliveries per second.
"""

from __future__ import annotations

import contextlib
import copy
import http.client
import io
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlencode, urlsplit

from koban.reports.models import Report
from koban.tenants.models import Tenant
from koban_local.bench_assistant import assistant_section
from koban_local.bench_notifications import notification_section
from koban_local.cli import home as repository_root
from koban_local.functions import Handler, LocalLambdaContext
from koban_local.home import UNREFUSING_RATE_LIMITS, LocalHome
from koban_local.metering import metered
from koban_local.seed import generate_reports, seed_all, tenant_random
from koban_local.tokens import issue_open311_key, issue_staff_token

TENANT = "pilot-nl"
BASE_REPORTS_PER_TENANT = 300
DASHBOARD_REPORTS = (10_000, 100_000)
HISTORY_DAYS = 90
IMPORT_RUNS = 3
THROUGHPUT_REQUESTS = 300


class Client:
    """A keep-alive HTTP client for the local gateway that also keeps the last event each handler saw."""

    def __init__(self, base_url: str) -> None:
        split = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(split.hostname or "127.0.0.1", split.port, timeout=30)

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, form: bool = False
    ) -> Any:
        if form:
            payload: bytes | None = urlencode(body).encode()
            all_headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        else:
            payload = json.dumps(body).encode() if body is not None else None
            all_headers = {"Content-Type": "application/json", **(headers or {})}
        self.connection.request(method, path, body=payload, headers=all_headers)
        response = self.connection.getresponse()
        data = response.read()
        if response.status >= 400:
            raise RuntimeError(f"{method} {path} answered {response.status}: {data[:300]!r}")
        return json.loads(data) if data and response.getheader("Content-Type", "").startswith("application/") else data


def _report(lat: float, lon: float) -> dict[str, Any]:
    return {
        "category": "noise_night",
        "description": "Music from the bar on the corner until three in the morning.",
        "location": {"lat": lat, "lon": lon},
        "answers": {"ongoing": True, "noise_source": "music"},
    }


def request_kinds(client: Client, centre: tuple[float, float]) -> list[tuple[str, Callable[[], Any]]]:
    staff = {"Authorization": f"Bearer {issue_staff_token(TENANT, 'officer')}"}
    base = f"/v1/tenants/{TENANT}"
    receipt = client.call("POST", f"{base}/reports", _report(*centre))
    report_path = f"{base}/reports/{receipt['id']}"
    key = str(uuid.uuid4())
    transitions = iter(["verifying", "confirmed", "in_progress", "resolved"])
    jurisdiction = f"jurisdiction_id={TENANT}"

    form_report = {
        "jurisdiction_id": TENANT,
        "api_key": issue_open311_key(TENANT),
        "service_code": "noise_night",
        "lat": centre[0],
        "long": centre[1],
        "description": "Music from the bar on the corner until three in the morning.",
        "attribute[noise_source]": "music",
        "attribute[ongoing]": "true",
    }
    return [
        ("GET tenants", lambda: client.call("GET", "/v1/tenants")),
        ("GET categories", lambda: client.call("GET", f"{base}/categories")),
        ("POST report", lambda: client.call("POST", f"{base}/reports", _report(*centre))),
        (
            "POST report, new Idempotency-Key",
            lambda: client.call("POST", f"{base}/reports", _report(*centre), {"Idempotency-Key": key}),
        ),
        (
            "POST report, retried key",
            lambda: client.call("POST", f"{base}/reports", _report(*centre), {"Idempotency-Key": key}),
        ),
        (
            "GET report (tracking token)",
            lambda: client.call("GET", report_path, headers={"X-Tracking-Token": receipt["tracking_token"]}),
        ),
        ("GET report (staff)", lambda: client.call("GET", report_path, headers=staff)),
        ("GET queue, 25 newest", lambda: client.call("GET", f"{base}/reports?limit=25", headers=staff)),
        (
            "GET queue, status=resolved",
            lambda: client.call("GET", f"{base}/reports?status=resolved&limit=25", headers=staff),
        ),
        (
            "GET queue, status+category",
            lambda: client.call("GET", f"{base}/reports?status=resolved&category=noise_night&limit=25", headers=staff),
        ),
        (
            "PATCH status",
            lambda: client.call(
                "PATCH", report_path, {"status": next(transitions), "note": "Thank you, we are on it."}, staff
            ),
        ),
        ("Open311 POST requests", lambda: client.call("POST", "/open311/v2/requests.json", form_report, form=True)),
        (
            "Open311 GET requests/{id}",
            lambda: client.call("GET", f"/open311/v2/requests/{receipt['id']}.json?{jurisdiction}"),
        ),
        (
            "Open311 GET requests, 1 service, 25",
            lambda: client.call(
                "GET", f"/open311/v2/requests.json?{jurisdiction}&service_code=noise_night&page_size=25"
            ),
        ),
        *dashboard_kinds(client),
        (
            "Open311 GET updates (90 days, ≤1000)",
            lambda: client.call("GET", f"/open311/v2/servicerequestupdates.json?{jurisdiction}"),
        ),
    ]


def dashboard_kinds(client: Client) -> list[tuple[str, Callable[[], Any]]]:
    staff = {"Authorization": f"Bearer {issue_staff_token(TENANT, 'officer')}"}
    views = f"/v1/tenants/{TENANT}/dashboard"
    first = (date.today() - timedelta(days=HISTORY_DAYS - 1)).isoformat()
    return [
        ("Dashboard hotspots, 30 days", lambda: client.call("GET", f"{views}/hotspots", headers=staff)),
        ("Dashboard hotspots, 90 days", lambda: client.call("GET", f"{views}/hotspots?from={first}", headers=staff)),
        (
            "Dashboard trends, 90 days by week",
            lambda: client.call("GET", f"{views}/trends?from={first}&interval=week", headers=staff),
        ),
        ("Dashboard summary, 90 days", lambda: client.call("GET", f"{views}/summary?from={first}", headers=staff)),
        ("Dashboard emerging (7 + 28 days)", lambda: client.call("GET", f"{views}/emerging", headers=staff)),
    ]


class Cost(NamedTuple):
    calls: int
    items: int
    read_units: float


def _value_bytes(value: dict[str, Any]) -> int:
    """DynamoDB's size of an attribute value: UTF-8 bytes of a string, about one byte per two digits of a number."""
    kind, content = next(iter(value.items()))
    if kind == "S":
        return len(str(content).encode())
    if kind == "N":
        return (len(str(content).lstrip("-").replace(".", "").strip("0")) + 1) // 2 + 1
    return len(json.dumps(content).encode())


def item_bytes(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


@contextlib.contextmanager
def query_read_units() -> Iterator[list[float]]:
    """Read capacity units of the Query calls the functions' DynamoDB client makes within the block: the items
    returned, rounded up to 4 KB per call, halved for eventually consistent reads (DynamoDB's billing rule)."""
    from koban import aws

    units: list[float] = []

    def record(parsed: dict[str, Any], **_: Any) -> None:
        size = sum(item_bytes(item) for item in parsed.get("Items", []))
        units.append(max(1, math.ceil(size / 4096)) * 0.5)  # the counters are read eventually consistent

    events = aws.client("dynamodb").meta.events
    events.register("after-call.dynamodb.Query", record, unique_id="koban-bench-read-units")
    try:
        yield units
    finally:
        events.unregister("after-call.dynamodb.Query", unique_id="koban-bench-read-units")


def measure_costs(kinds: list[tuple[str, Callable[[], Any]]]) -> dict[str, Cost]:
    costs = {}
    for name, call in kinds:
        with metered() as meter, query_read_units() as units:
            call()
        costs[name] = Cost(meter.dynamodb_calls, meter.items_read, sum(units))
    return costs


def cost_section(home: LocalHome) -> list[str]:
    from koban.aggregation.service import rebuild_aggregates_from
    from koban.tenants.service import get_tenant

    tenant = get_tenant(TENANT)
    centre = tenant.area.centre or (0.0, 0.0)
    now = datetime.now(UTC)
    seeded: list[Report] = []
    rounds = []
    for count, seed in ((BASE_REPORTS_PER_TENANT, 1), (BASE_REPORTS_PER_TENANT * 9, 2)):
        seed_all(report_count_per_tenant=count, progress=lambda _: None, seed=seed, now=now)
        # The counters of what seed_all wrote for the tenant (it is deterministic for the seed and `now`):
        # rebuilding from the stored reports instead reads them through an index moto answers by scanning the
        # table, slower than the client's read timeout at this size.
        seeded += generated_reports(tenant, count, seed, now)
        rebuild_aggregates_from(tenant, seeded)
        # A fresh connection for each round: the gateway closes connections left idle while the seed is written.
        rounds.append(measure_costs(request_kinds(Client(home.gateway.url), centre)))
    small, large = rounds
    lines = [
        f"1. DynamoDB per request ({TENANT}; N = {BASE_REPORTS_PER_TENANT} and 10 N = "
        f"{BASE_REPORTS_PER_TENANT * 10} seeded reports per tenant, written to the local moto;",
        "   dashboard counters rebuilt from the tenant's seeded reports by the code of `koban aggregates rebuild`)",
        f"   {'request':<40} {'calls N':>8} {'items N':>8} {'calls 10N':>10} {'items 10N':>10} {'ratio':>6}",
    ]
    for name, cost in small.items():
        cost_large = large[name]
        ratio = (cost_large.items / cost.items) if cost.items else 1.0
        lines.append(
            f"   {name:<40} {cost.calls:>8} {cost.items:>8} {cost_large.calls:>10} {cost_large.items:>10} {ratio:>6.2f}"
        )
    return lines + rate_limit_lines()


def rate_limit_lines() -> list[str]:
    """The per-client rate limiter's share of each open write (POST report, photo, Open311 POST, assistant
    message, vote, subscription), by the state of the client's bucket: the calls above were all the first kind."""
    from koban.errors import RateLimited
    from koban.ratelimit.service import Scope, take_token
    from koban.settings import RateLimit

    limit = RateLimit(per_minute=1, burst=2)
    key = f"bench#{uuid.uuid4().hex}"
    calls = []
    for _ in ("idle", "within its burst", "refused"):
        with metered() as meter, contextlib.suppress(RateLimited):
            take_token(Scope.INTAKE, key, limit)
        calls.append(meter.dynamodb_calls)
    idle, within_burst, refused = calls
    return [
        f"   of which the per-client rate limiter: {idle} call with an idle bucket (a resident's usual case), "
        f"{within_burst} within a burst, {refused} when refused (429)"
    ]


def generated_reports(tenant: Tenant, count: int, seed: int, now: datetime) -> list[Report]:
    """The reports `seed_all` writes for `tenant` with this seed and `now` (without their histories)."""
    return [report for report, _ in generate_reports(tenant, count, tenant_random(seed, tenant.id), now, HISTORY_DAYS)]


class CounterShape(NamedTuple):
    """What the counters of the last `HISTORY_DAYS` days hold in the block partition (H3 r9)."""

    counters: int  # (day, cell, category) counters, each one attribute
    cells: int
    regions: int  # H3 r5 regions with any report
    region_days: int  # (day, region) items with any counter: what a view of every day reads


def counter_shape(tenant_id: str) -> CounterShape:
    from koban.aggregation.contributions import cells_partition
    from koban.aggregation.service import aggregate_repository
    from koban.aggregation.storage import REGION_RESOLUTION
    from koban.geo import FINE_RESOLUTION, parent_cell

    first = (date.today() - timedelta(days=HISTORY_DAYS - 1)).isoformat()
    counters = aggregate_repository().read_range(cells_partition(tenant_id, FINE_RESOLUTION), first, None)
    keys = [key.split("#", 2) for key, count in counters.items() if count]
    regions = {(day, parent_cell(cell, REGION_RESOLUTION)) for day, cell, _ in keys}
    return CounterShape(
        counters=len(keys),
        cells=len({cell for _, cell, _ in keys}),
        regions=len({region for _, region in regions}),
        region_days=len(regions),
    )


def dashboard_section(home: LocalHome) -> list[str]:
    """The dashboard views over the counters of 10,000 and then 100,000 generated reports of one tenant."""
    from koban.aggregation.service import rebuild_aggregates_from
    from koban.tenants.service import get_tenant, list_categories

    tenant = get_tenant(TENANT)
    records, seconds = aggregation_rate(home)
    now = datetime.now(UTC)
    rounds: dict[int, dict[str, Cost]] = {}
    shapes: dict[int, CounterShape] = {}
    built = []
    for count in DASHBOARD_REPORTS:
        started = time.perf_counter()
        result = rebuild_aggregates_from(tenant, generated_reports(tenant, count, count, now))
        seconds_built = time.perf_counter() - started
        built.append(f"{result.reports:,} reports in {seconds_built:.0f} s ({result.counters:,} counters)")
        rounds[count] = measure_costs(dashboard_kinds(Client(home.gateway.url)))
        shapes[count] = counter_shape(tenant.id)
    small, large = DASHBOARD_REPORTS
    lines = [
        f"2. Dashboard views at {small:,} and {large:,} reports ({TENANT}, {HISTORY_DAYS} days of history)",
        "   How the counters were made: reports generated by koban_local.seed.generate_reports (clustered in space",
        "   and time as the seed is), counted by rebuild_aggregates_from (the code `koban aggregates rebuild` runs)",
        "   and the counter items written to the local moto. These reports were not stored and not streamed (at",
        f"   the rate below, streaming {large:,} through moto would take {large * seconds / records / 60:.0f} "
        "minutes); the views read only counters,",
        "   so they cannot tell.",
        f"   Built: {built[0]}, then {built[1]}, replacing them.",
        "   RU = DynamoDB read units: per Query call the items' bytes rounded up to 4 KB, halved (eventually",
        "   consistent reads).",
        f"   {'':<34} {f'{small:,} reports':>20} │ {f'{large:,} reports':>20} │ {'ratio':>12}",
        f"   {'request':<34} {'calls':>6} {'items':>6} {'RU':>6} │ {'calls':>6} {'items':>6} {'RU':>6} │ "
        f"{'items':>6} {'RU':>5}",
    ]
    for name, cost in rounds[small].items():
        other = rounds[large][name]
        lines.append(
            f"   {name.removeprefix('Dashboard '):<34} {cost.calls:>6} {cost.items:>6} {cost.read_units:>6.1f} │ "
            f"{other.calls:>6} {other.items:>6} {other.read_units:>6.1f} │ "
            f"{other.items / max(cost.items, 1):>6.2f} {other.read_units / max(cost.read_units, 0.5):>5.2f}"
        )
    few, many = shapes[small], shapes[large]
    categories = len(list_categories(tenant))
    lines += [
        "   Items read: a cell view reads one item per day and H3-r5 region that holds any report, so at most",
        f"   days × regions (this tenant's reports lie in {many.regions} regions: hotspots 30 d ≤ {30 * many.regions}, "
        f"90 d ≤ {HISTORY_DAYS * many.regions}, emerging ≤ {35 * many.regions}),",
        f"   whatever the number of reports. Of the {HISTORY_DAYS} × {many.regions} day-region items, "
        f"{few.region_days} hold a counter at {small:,} reports and",
        f"   {many.region_days} at {large:,}: outer regions still have days without reports; items stop growing at "
        "the bound.",
        "   (A rebuild deletes the items it empties, so none is read for nothing.) Trends reads one item per day",
        "   (saturated: 90); summary those 90 plus one per day on which a still-new report fell due.",
        "   Section 1's larger ratios (300 vs 3,000 reports) are the same filling, further from the bound.",
        "   Read units do NOT stay flat: they follow the bytes of the counters read, one per (day, block, category)",
        f"   with a report: {few.counters:,} at {small:,} and {many.counters:,} at {large:,} reports (×"
        f"{many.counters / max(few.counters, 1):.1f}) in the r9 partition over {HISTORY_DAYS} days,",
        f"   in {few.cells:,} and {many.cells:,} active blocks. They are bounded by days × blocks × categories "
        f"({categories} categories),",
        "   not by reports, but that bound is far from reached: a block-level view over many days costs what its",
        "   detail holds. Calls grow only where a Query page passes 1 MB.",
        f"   Aggregation: {records:,} new-report stream records applied in {seconds:.1f} s = {records / seconds:.0f} "
        "records/s (the handler",
        "   called directly in batches of 100 as Lambda would; counters written to the local moto).",
    ]
    return lines


def aggregation_rate(home: LocalHome, count: int = 1000) -> tuple[int, float]:
    """Stream records (new reports) applied per second by the aggregation handler, called directly in batches of
    100 as Lambda would; the counters are written to the local home's moto."""
    from koban.dynamo import serialize
    from koban.reports.storage import report_to_item
    from koban.tenants.service import get_tenant

    tenant = get_tenant(TENANT)
    reports = generated_reports(tenant, count, 7, datetime.now(UTC))
    records = [
        {
            "eventID": f"bench-{position}",
            "eventName": "INSERT",
            "eventSource": "aws:dynamodb",
            "dynamodb": {
                "Keys": serialize({"pk": f"REPORT#{tenant.id}#{report.id}", "sk": "#REPORT"}),
                "NewImage": serialize(report_to_item(report)),
                "SequenceNumber": str(10**20 + position),
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
        }
        for position, report in enumerate(reports)
    ]
    handler = home.handlers["AggregationFunction"]
    started = time.perf_counter()
    for start in range(0, len(records), 100):
        handler({"Records": records[start : start + 100]}, LocalLambdaContext("AggregationFunction"))
    return len(records), time.perf_counter() - started


BARE_HANDLER = """
import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

logger = Logger()
app = APIGatewayRestResolver()

@app.get("/ping")
def ping():
    return {"ok": True}

def lambda_handler(event, context):
    return app.resolve(event, context)
"""


def _import_seconds(folder: Path, module: str, environment: dict[str, str]) -> float:
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(folder)!r})
        started = time.perf_counter()
        import {module}
        print(time.perf_counter() - started)
        """
    )
    runs = []
    for _ in range(IMPORT_RUNS):
        output = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=environment
        )
        runs.append(float(output.stdout.strip().splitlines()[-1]))
    return statistics.median(runs)


def import_section(home: LocalHome) -> list[str]:
    environment = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "1"}
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "bare_handler.py").write_text(BARE_HANDLER, encoding="utf-8")
        bare = _import_seconds(Path(folder), "bare_handler", environment)
    lines = [
        f"3. Import time (median of {IMPORT_RUNS} fresh interpreters; baseline, a bare powertools + boto3 "
        f"handler: {bare * 1000:.0f} ms)",
        f"   {'function':<30} {'ms':>6} {'x bare':>7}",
    ]
    for function_id, function in home.template.functions.items():
        module = function.handler.rpartition(".")[0]
        seconds = _import_seconds(function.code_uri, module, {**environment, **home.environments[function_id]})
        lines.append(f"   {function_id:<30} {seconds * 1000:>6.0f} {seconds / bare:>7.2f}")
    return lines


def _rate(call: Callable[[], Any], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        call()
    return count / (time.perf_counter() - started)


def _direct_call(handler: Handler, event: dict[str, Any], function_id: str) -> Callable[[], Any]:
    return lambda: handler(copy.deepcopy(event), LocalLambdaContext(function_id))


def throughput_section(home: LocalHome) -> list[str]:
    from koban.tenants.service import get_tenant

    centre = get_tenant(TENANT).area.centre or (0.0, 0.0)
    captured: dict[str, dict[str, Any]] = {}
    originals = dict(home.handlers)

    def recording(function_id: str, handler: Handler) -> Handler:
        def record(event: dict[str, Any], context: Any) -> dict[str, Any]:
            captured[function_id] = copy.deepcopy(event)
            return handler(event, context)

        return record

    client = Client(home.gateway.url)
    cases = [
        ("GET categories", "TenantsFunction", lambda: client.call("GET", f"/v1/tenants/{TENANT}/categories")),
        (
            "POST report",
            "ReportsFunction",
            lambda: client.call("POST", f"/v1/tenants/{TENANT}/reports", _report(*centre)),
        ),
    ]
    lines = [
        f"4. Requests per second, {THROUGHPUT_REQUESTS} sequential requests (one client, keep-alive)",
        f"   {'request':<18} {'gateway':>9} {'direct':>9} {'gateway/direct':>15}",
    ]
    for name, function_id, call in cases:
        home.handlers[function_id] = recording(function_id, originals[function_id])
        call()
        home.handlers[function_id] = originals[function_id]
        direct_call = _direct_call(originals[function_id], captured[function_id], function_id)
        direct = _rate(direct_call, THROUGHPUT_REQUESTS)
        through_gateway = _rate(call, THROUGHPUT_REQUESTS)
        lines.append(f"   {name:<18} {through_gateway:>9.0f} {direct:>9.0f} {through_gateway / direct:>15.2f}")
    return lines


def main() -> int:
    # powertools warns when a response carries no metric; the figures below are what matters here.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    root = repository_root()
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    # The handlers print their EMF metrics to stdout, as in Lambda; the report is printed afterwards.
    # The limiter runs on every open write (its calls are in section 1) but refuses none of the bench's requests.
    with contextlib.redirect_stdout(io.StringIO()), LocalHome(root, port=0, settings=UNREFUSING_RATE_LIMITS) as home:
        home.gateway.start()
        # Every figure below is measured directly (the aggregation handler too): the stream poller would only
        # compete for the one interpreter's time.
        home.poller.stop()
        sections = [cost_section(home), dashboard_section(home), import_section(home), throughput_section(home)]
        sections.append(assistant_section(home))
        # One city-wide alert to 10,000 subscribers: the fan-out through moto takes minutes per alert.
        sections.append(notification_section(home, alerts=1))
    print("KOBAN benchmark (make bench)")
    for section in sections:
        print()
        print("\n".join(section))
    return 0


if __name__ == "__main__":
    sys.exit(main())
