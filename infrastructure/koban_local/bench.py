"""`make bench`: figures that do not depend on the machine first, then timings.

1. DynamoDB calls and items read per request kind, at N and 10 N reports per tenant (cost must not grow
   with the data on any request path).
2. Import time of each function relative to a bare powertools + boto3 handler (cold-start proxy).
3. Requests per second through the local gateway (HTTP keep-alive) next to calling the handler directly.
"""

from __future__ import annotations

import contextlib
import copy
import http.client
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
import warnings
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from koban_local.cli import home as repository_root
from koban_local.functions import Handler, LocalLambdaContext
from koban_local.home import LocalHome
from koban_local.metering import metered
from koban_local.seed import generate_reports, seed_all, tenant_random
from koban_local.tokens import issue_open311_key, issue_staff_token

TENANT = "pilot-nl"
BASE_REPORTS_PER_TENANT = 300
IMPORT_RUNS = 5
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

    def days_ago(days: int) -> str:
        return (date.today() - timedelta(days=days)).isoformat()

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
        ("Dashboard hotspots, 30 days", lambda: client.call("GET", f"{base}/dashboard/hotspots", headers=staff)),
        (
            "Dashboard hotspots, 90 days",
            lambda: client.call("GET", f"{base}/dashboard/hotspots?from={days_ago(89)}", headers=staff),
        ),
        (
            "Dashboard trends, 90 days by week",
            lambda: client.call("GET", f"{base}/dashboard/trends?from={days_ago(89)}&interval=week", headers=staff),
        ),
        (
            "Dashboard summary, 90 days",
            lambda: client.call("GET", f"{base}/dashboard/summary?from={days_ago(89)}", headers=staff),
        ),
        ("Dashboard emerging (7 + 28 days)", lambda: client.call("GET", f"{base}/dashboard/emerging", headers=staff)),
        (
            "Open311 GET updates (90 days, ≤1000)",
            lambda: client.call("GET", f"/open311/v2/servicerequestupdates.json?{jurisdiction}"),
        ),
    ]


def measure_costs(client: Client, centre: tuple[float, float]) -> dict[str, tuple[int, int]]:
    costs = {}
    for name, call in request_kinds(client, centre):
        with metered() as meter:
            call()
        dynamodb = {op: count for op, count in meter.calls.items() if op.startswith("dynamodb.")}
        costs[name] = (sum(dynamodb.values()), meter.items_read)
    return costs


def cost_section(home: LocalHome) -> list[str]:
    from koban.tenants.service import get_tenant

    centre = get_tenant(TENANT).area.centre or (0.0, 0.0)
    # A fresh connection for each round: the gateway closes connections left idle while the seed is written.
    _seed_and_aggregate(home, BASE_REPORTS_PER_TENANT, 1)
    small = measure_costs(Client(home.gateway.url), centre)
    _seed_and_aggregate(home, BASE_REPORTS_PER_TENANT * 9, 2)
    large = measure_costs(Client(home.gateway.url), centre)
    records, seconds = aggregation_rate(home)
    lines = [
        f"1. DynamoDB per request ({TENANT}; N = {BASE_REPORTS_PER_TENANT} and 10 N = "
        f"{BASE_REPORTS_PER_TENANT * 10} reports per tenant)",
        f"   {'request':<40} {'calls N':>8} {'items N':>8} {'calls 10N':>10} {'items 10N':>10} {'ratio':>6}",
    ]
    for name, (calls, items) in small.items():
        calls_large, items_large = large[name]
        ratio = (items_large / items) if items else 1.0
        lines.append(f"   {name:<40} {calls:>8} {items:>8} {calls_large:>10} {items_large:>10} {ratio:>6.2f}")
    lines.append(
        f"   aggregation: {records} new-report stream records applied in {seconds:.1f} s = {records / seconds:.0f} "
        "records/s (handler called directly in batches of 100; counters written to the local moto)"
    )
    return lines


def _seed_and_aggregate(home: LocalHome, per_tenant: int, seed: int) -> None:
    seed_all(report_count_per_tenant=per_tenant, progress=lambda _: None, seed=seed)
    home.poller.drain(timeout=3600)


def aggregation_rate(home: LocalHome, count: int = 2000) -> tuple[int, float]:
    """Stream records (new reports) applied per second by the aggregation handler, called directly in batches of
    100 as Lambda would; the counters are written to the local home's moto."""
    from koban.dynamo import serialize
    from koban.reports.storage import report_to_item
    from koban.tenants.service import get_tenant

    tenant = get_tenant(TENANT)
    reports = [
        report for report, _ in generate_reports(tenant, count, tenant_random(7, tenant.id), datetime.now(UTC), 90)
    ]
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
        f"2. Import time (median of {IMPORT_RUNS} fresh interpreters; baseline, a bare powertools + boto3 "
        f"handler: {bare * 1000:.0f} ms)",
        f"   {'function':<22} {'ms':>6} {'x bare':>7}",
    ]
    for function_id, function in home.template.functions.items():
        module = function.handler.rpartition(".")[0]
        seconds = _import_seconds(function.code_uri, module, {**environment, **home.environments[function_id]})
        lines.append(f"   {function_id:<22} {seconds * 1000:>6.0f} {seconds / bare:>7.2f}")
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
        f"3. Requests per second, {THROUGHPUT_REQUESTS} sequential requests (one client, keep-alive)",
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
    with contextlib.redirect_stdout(io.StringIO()), LocalHome(root, port=0) as home:
        home.gateway.start()
        sections = [cost_section(home), import_section(home), throughput_section(home)]
    print("KOBAN benchmark (make bench)")
    for section in sections:
        print()
        print("\n".join(section))
    return 0


if __name__ == "__main__":
    sys.exit(main())
