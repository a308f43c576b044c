"""One tenant's resources, made through the API, and a valid request for every route of the template.

`World(api, tenant)` makes what routes name in their paths (a report and its tracking token, a photo, a problem
and its action, a priority, an API key, an alert, a subscription with its code and unsubscribe link, a
conversation, a knowledge item) the way staff and residents make them. `RECIPES[(method, path)]` turns a world
and the tenant in the path into a request that the route's allowed callers get a 2xx for, so the access matrix,
the fault sweep and the hostile-input tests can go through every route. A template route without a recipe fails
`test_every_route_has_a_policy_and_a_recipe`, so a new route cannot be left out.
"""

from __future__ import annotations

import base64
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

import h3
from PIL import Image

from koban.i18n import SUPPORTED_LANGUAGES
from koban.notifications import tokens
from koban.tenants.service import get_tenant
from koban_local.tokens import issue_open311_key
from tests.api import ApiClient, Reply, staff_claims

# The code every e-mail subscription of the tier is sent (tokens.new_code is replaced by the fixture that
# builds worlds), so a world can confirm its subscription as the resident would with the code from the e-mail.
KNOWN_CODE = "246810"


def tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class Request:
    """A request to one route; `tracking_token` goes with the report the request names (sent only by a resident)."""

    method: str
    path: str
    body: Any = None
    raw_body: str | None = None
    base64_body: str | None = None
    query: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    tracking_token: str | None = None

    def send(self, api: ApiClient, claims: dict[str, str] | None, extra_headers: dict[str, str]) -> Reply:
        return api.request(
            self.method,
            self.path,
            body=self.body,
            raw_body=self.raw_body,
            base64_body=self.base64_body,
            query=self.query,
            headers={**self.headers, **extra_headers},
            claims=claims,
        )


def _ok(reply: Reply, what: str) -> dict[str, Any]:
    assert 200 <= reply.status < 300, f"{what}: {reply.status} {reply.body[:300]}"
    result: dict[str, Any] = reply.json() if reply.body else {}
    return result


class World:
    """A tenant's resources, made on first use; `fresh_*` make a new one each call (for routes that change it)."""

    def __init__(self, api: ApiClient, tenant: str) -> None:
        self.api = api
        self.tenant = tenant
        self.officer = staff_claims(tenant, "officer", f"officer-{tenant}")
        self.supervisor = staff_claims(tenant, "supervisor", f"supervisor-{tenant}")
        self.admin = staff_claims(tenant, "admin", f"admin-{tenant}")
        area = get_tenant(tenant).area
        assert area.centre is not None
        self.lat, self.lon = area.centre
        self.block = h3.latlng_to_cell(self.lat, self.lon, 9)

    def url(self, tail: str = "") -> str:
        return f"/v1/tenants/{self.tenant}{tail}"

    # -- reports, photos ----------------------------------------------------------------------------------------

    def report_body(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "category": "noise_night",
            "description": "Loud music from the bar on the corner every night after midnight.",
            "location": {"lat": self.lat, "lon": self.lon},
            "answers": {"ongoing": True, "noise_source": "music"},
        }
        return {**body, **overrides}

    def fresh_report(self, **overrides: Any) -> dict[str, Any]:
        body = self.report_body(
            contact={"name": "Ada Lovelace", "email": "ada@example.org", "consent": True}, **overrides
        )
        return _ok(self.api.post(self.url("/reports"), body=body), "report")

    @cached_property
    def report(self) -> dict[str, Any]:
        return self.fresh_report()

    @cached_property
    def attachment(self) -> str:
        return self.fresh_attachment()

    def fresh_attachment(self) -> str:
        reply = self.api.post(
            self.url("/attachments"),
            base64_body=base64.b64encode(tiny_png()).decode(),
            headers={"Content-Type": "image/png"},
        )
        attachment_id: str = _ok(reply, "photo")["id"]
        return attachment_id

    # -- problems, priorities ---------------------------------------------------------------------------------

    def fresh_problem(self) -> dict[str, Any]:
        body = {
            "title": "Night noise around the corner bar",
            "description": "Dozens of residents of one block report music after midnight.",
            "category": "noise_night",
            "cells": [self.block],
        }
        return _ok(self.api.post(self.url("/problems"), body=body, claims=self.officer), "problem")

    @cached_property
    def problem(self) -> dict[str, Any]:
        return self.fresh_problem()

    def fresh_action(self) -> tuple[dict[str, Any], dict[str, Any]]:
        problem = self.fresh_problem()
        body = {
            "title": "Talk to the bar owner",
            "owner": "neighbourhood_team",
            "due_on": (date.today() + timedelta(days=7)).isoformat(),
        }
        reply = self.api.post(self.url(f"/problems/{problem['id']}/actions"), body=body, claims=self.officer)
        changed = _ok(reply, "action")
        return changed, changed["actions"][-1]

    def fresh_priority(self) -> dict[str, Any]:
        body = {
            "title": "Safer walk to school",
            "description": "Cars speed past the primary school at drop-off time.",
            "area_name": "Centre",
        }
        return _ok(self.api.post(self.url("/priorities"), body=body, claims=self.officer), "priority")

    @cached_property
    def priority(self) -> dict[str, Any]:
        return self.fresh_priority()

    # -- API keys, alerts, subscriptions ----------------------------------------------------------------------

    def fresh_api_key(self) -> str:
        reply = self.api.post(self.url("/api-keys"), body={"client_name": "Security tier"}, claims=self.admin)
        key_id: str = _ok(reply, "API key")["key_id"]
        return key_id

    def alert_body(self) -> dict[str, Any]:
        texts = {"title": "Fake repairmen at the door", "body": "Let nobody in without an appointment."}
        languages = [language for language in get_tenant(self.tenant).languages if language in SUPPORTED_LANGUAGES]
        return {"texts": dict.fromkeys(languages, texts), "area": {"cells": [self.block]}}

    def fresh_alert(self) -> dict[str, Any]:
        return _ok(self.api.post(self.url("/alerts"), body=self.alert_body(), claims=self.officer), "alert")

    @cached_property
    def alert(self) -> dict[str, Any]:
        return self.fresh_alert()

    def subscription_body(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "channel": "email",
            "email": "resident@example.org",
            "language": get_tenant(self.tenant).default_language,
            "consent": True,
        }
        return {**body, **overrides}

    def fresh_subscription(self) -> dict[str, Any]:
        body = self.subscription_body(area={"cells": [self.block]})
        return _ok(self.api.post(self.url("/subscriptions"), body=body), "subscription")

    @cached_property
    def subscription(self) -> dict[str, Any]:
        return self.fresh_subscription()

    def unsubscribe_token(self) -> str:
        return tokens.sign_unsubscribe(self.tenant, self.fresh_subscription()["id"])

    @cached_property
    def receipt(self) -> str:
        token, _ = tokens.new_receipt(f"alert:{self.alert['id']}", self.subscription["id"])
        return token

    # -- assistant, app configuration -------------------------------------------------------------------------

    @cached_property
    def conversation(self) -> str:
        reply = self.api.post(self.url("/assistant/messages"), body={"text": "My bicycle was stolen yesterday."})
        conversation_id: str = _ok(reply, "assistant")["conversation_id"]
        return conversation_id

    def knowledge_body(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "language": "en",
            "title": "How do I report a stolen bicycle?",
            "body": "Report it online with the frame number; keep a photo of the bicycle.",
        }
        return {**body, **overrides}

    def fresh_knowledge(self) -> dict[str, Any]:
        return _ok(self.api.post(self.url("/knowledge"), body=self.knowledge_body(), claims=self.admin), "knowledge")

    @cached_property
    def knowledge(self) -> dict[str, Any]:
        return self.fresh_knowledge()

    def draft(self) -> tuple[dict[str, Any], str]:
        reply = self.api.get(self.url("/app-config/draft"), claims=self.admin)
        return _ok(reply, "draft"), reply.headers["ETag"]

    def publish_new_short_name(self) -> None:
        """A new live version that differs from version 1, so there is something to roll back."""
        draft, tag = self.draft()
        document = draft["document"]
        document["short_name"] = dict.fromkeys(
            document.get("short_name") or document["name"], f"KOBAN {uuid.uuid4().hex[:6]}"
        )
        headers = {"If-Match": tag}
        _ok(
            self.api.request("PUT", self.url("/app-config/draft"), body=document, claims=self.admin, headers=headers),
            "draft",
        )
        _ok(self.api.post(self.url("/app-config/publish"), claims=self.admin), "publish")

    # -- capability model -------------------------------------------------------------------------------------

    @cached_property
    def capabilities(self) -> list[str]:
        model = _ok(self.api.get(self.url("/capability/model"), claims=self.officer), "capability model")
        return [capability["id"] for dimension in model["dimensions"] for capability in dimension["capabilities"]]

    def ratings(self) -> dict[str, Any]:
        return {"ratings": [{"capability": self.capabilities[0], "level": 3, "evidence": "Monthly meetings."}]}

    def fresh_round(self) -> dict[str, Any]:
        reply = self.api.post(self.url("/capability/rounds"), body={"title": "Spring round"}, claims=self.supervisor)
        return _ok(reply, "round")

    @cached_property
    def assessed_round(self) -> str:
        """A round in which every staff role's caller (`staff_claims(tenant, role)` and the matrix's subjects)
        has given an assessment, so each can read its own."""
        round_id: str = self.fresh_round()["id"]
        for role in ("officer", "supervisor", "admin", "partner"):
            for subject in (f"{role}-{self.tenant}", f"test-{role}-{self.tenant}"):
                claims = staff_claims(self.tenant, role, subject)
                path = self.url(f"/capability/rounds/{round_id}/assessments/mine")
                _ok(self.api.request("PUT", path, body=self.ratings(), claims=claims), "assessment")
        return round_id

    @cached_property
    def open311_key(self) -> str:
        return issue_open311_key(self.tenant)


Recipe = Callable[[World, str], Request]


def _tracked(world: World, method: str, tail: str, report: dict[str, Any], **parts: Any) -> Request:
    """A request about `report` that its reporter makes with its tracking token."""
    return Request(method, tail, tracking_token=report["tracking_token"], **parts)


def _form(**fields: str) -> str:
    return urlencode(fields)


def _open311_post(world: World, tenant: str) -> Request:
    form = _form(
        jurisdiction_id=tenant,
        api_key=world.open311_key,
        service_code="noise_night",
        lat=str(world.lat),
        long=str(world.lon),
        description="Loud music every night from the bar on the corner.",
        **{"attribute[ongoing]": "true", "attribute[noise_source]": "music"},
    )
    return Request(
        "POST",
        "/open311/v2/requests.json",
        raw_body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def _draft_put(world: World, tenant: str) -> Request:
    draft, tag = world.draft()
    return Request("PUT", f"/v1/tenants/{tenant}/app-config/draft", body=draft["document"], headers={"If-Match": tag})


def _rollback(world: World, tenant: str) -> Request:
    world.publish_new_short_name()
    return Request("POST", f"/v1/tenants/{tenant}/app-config/rollback", body={"version": 1})


def _problem_patch(world: World, tenant: str) -> Request:
    problem = world.fresh_problem()
    return Request(
        "PATCH", f"/v1/tenants/{tenant}/problems/{problem['id']}", body={"version": problem["version"], "note": "ok"}
    )


def _action_patch(world: World, tenant: str) -> Request:
    problem, action = world.fresh_action()
    return Request(
        "PATCH",
        f"/v1/tenants/{tenant}/problems/{problem['id']}/actions/{action['id']}",
        body={"version": problem["version"], "status": "done"},
    )


def _knowledge_put(world: World, tenant: str) -> Request:
    item = world.fresh_knowledge()
    body = world.knowledge_body(version=item["version"], title="How do I report a stolen bike?")
    return Request("PUT", f"/v1/tenants/{tenant}/knowledge/{item['id']}", body=body)


def _alert_patch(world: World, tenant: str) -> Request:
    alert = world.fresh_alert()
    return Request(
        "PATCH", f"/v1/tenants/{tenant}/alerts/{alert['id']}", body={"version": alert["version"], "link": None}
    )


def _alert_decision(world: World, tenant: str) -> Request:
    alert = world.fresh_alert()
    body = {"version": alert["version"], "decision": "reject", "note": "Not now."}
    return Request("POST", f"/v1/tenants/{tenant}/alerts/{alert['id']}/decision", body=body)


def _report_transition(world: World, tenant: str) -> Request:
    report = world.fresh_report()
    body = {"status": "verifying", "note": "We are looking into it."}
    return _tracked(world, "PATCH", f"/v1/tenants/{tenant}/reports/{report['id']}", report, body=body)


def _priority_patch(world: World, tenant: str) -> Request:
    priority = world.fresh_priority()
    body = {"version": priority["version"], "status": "adopted", "text": "Weekly checks at drop-off time."}
    return Request("PATCH", f"/v1/tenants/{tenant}/priorities/{priority['id']}", body=body)


def _round_close(world: World, tenant: str) -> Request:
    round_ = world.fresh_round()
    body = {"version": round_["version"], "status": "closed"}
    return Request("PATCH", f"/v1/tenants/{tenant}/capability/rounds/{round_['id']}", body=body)


def _confirmation(world: World, tenant: str) -> Request:
    subscription = world.fresh_subscription()
    path = f"/v1/tenants/{tenant}/subscriptions/{subscription['id']}/confirmation"
    return Request("POST", path, body={"code": KNOWN_CODE})


def _vote(world: World, tenant: str) -> Request:
    path = f"/v1/tenants/{tenant}/public/priorities/{world.priority['id']}/votes"
    return Request("POST", path, body={"voter": "device-" + "7" * 24})


def _erasure(world: World, tenant: str) -> Request:
    """A fresh report with a contact and a photo, whose reporter erases their personal data."""
    report = world.fresh_report(attachments=[world.fresh_attachment()])
    return _tracked(world, "DELETE", f"/v1/tenants/{tenant}/reports/{report['id']}/personal-data", report)


def _subject_request(world: World, tenant: str) -> Request:
    """An admin erases the data of a subject known by a fresh address (one report of theirs)."""
    email = f"subject-{uuid.uuid4().hex[:12]}@example.org"
    body = world.report_body(contact={"name": "Grace Hopper", "email": email, "consent": True})
    _ok(world.api.post(world.url("/reports"), body=body), "report")
    return Request("POST", f"/v1/tenants/{tenant}/privacy/subject-requests", body={"action": "erase", "email": email})


def _report_get(world: World, tenant: str) -> Request:
    report = world.report
    return _tracked(world, "GET", f"/v1/tenants/{tenant}/reports/{report['id']}", report)


def _report_tail(method: str, tail: str, **parts: Any) -> Recipe:
    def recipe(world: World, tenant: str) -> Request:
        report = world.report
        return _tracked(world, method, f"/v1/tenants/{tenant}/reports/{report['id']}{tail}", report, **parts)

    return recipe


def _plain(method: str, tail: str, **parts: Any) -> Recipe:
    """A route whose path names only the tenant (and literal segments)."""

    def recipe(world: World, tenant: str) -> Request:
        return Request(method, f"/v1/tenants/{tenant}{tail}", **parts)

    return recipe


def _named(method: str, tail: str, resource: Callable[[World], str], **parts: Any) -> Recipe:
    """A route whose path names one of the world's resources: `tail` has one `{}` for its id."""

    def recipe(world: World, tenant: str) -> Request:
        return Request(method, f"/v1/tenants/{tenant}{tail.format(resource(world))}", **parts)

    return recipe


def _open311(method: str, path: str, **query: str) -> Recipe:
    def recipe(world: World, tenant: str) -> Request:
        return Request(method, path.format(report=world.report["id"]), query={"jurisdiction_id": tenant, **query})

    return recipe


V1 = "/v1/tenants/{tenant}"
RECIPES: dict[tuple[str, str], Recipe] = {
    # tenants, categories, docs
    ("GET", "/v1/tenants"): lambda world, tenant: Request("GET", "/v1/tenants"),
    ("GET", V1): _plain("GET", ""),
    ("GET", f"{V1}/categories"): _plain("GET", "/categories"),
    ("GET", "/v1/openapi.json"): lambda world, tenant: Request("GET", "/v1/openapi.json"),
    ("GET", "/v1/docs"): lambda world, tenant: Request("GET", "/v1/docs"),
    # reports and photos
    ("POST", f"{V1}/reports"): lambda world, tenant: Request(
        "POST", f"/v1/tenants/{tenant}/reports", body=world.report_body()
    ),
    ("GET", f"{V1}/reports"): _plain("GET", "/reports"),
    ("GET", f"{V1}/reports/{{report_id}}"): _report_get,
    ("PATCH", f"{V1}/reports/{{report_id}}"): _report_transition,
    ("POST", f"{V1}/attachments"): lambda world, tenant: Request(
        "POST",
        f"/v1/tenants/{tenant}/attachments",
        base64_body=base64.b64encode(tiny_png()).decode(),
        headers={"Content-Type": "image/png"},
    ),
    ("GET", f"{V1}/attachments/{{attachment_id}}"): _named("GET", "/attachments/{}", lambda w: w.attachment),
    # privacy
    ("DELETE", f"{V1}/reports/{{report_id}}/personal-data"): _erasure,
    ("POST", f"{V1}/privacy/subject-requests"): _subject_request,
    ("GET", f"{V1}/reports/export"): _plain("GET", "/reports/export"),
    # Open311
    ("GET", "/open311/v2/{document}"): _open311("GET", "/open311/v2/requests.json"),
    ("POST", "/open311/v2/{document}"): _open311_post,
    ("GET", "/open311/v2/services/{service_file}"): _open311("GET", "/open311/v2/services/noise_night.json"),
    ("GET", "/open311/v2/requests/{request_file}"): _open311("GET", "/open311/v2/requests/{report}.json"),
    ("GET", "/open311/v2/tokens/{token_file}"): _open311("GET", "/open311/v2/tokens/{report}.json"),
    # API keys
    ("POST", f"{V1}/api-keys"): _plain("POST", "/api-keys", body={"client_name": "Another client"}),
    ("GET", f"{V1}/api-keys"): _plain("GET", "/api-keys"),
    ("DELETE", f"{V1}/api-keys/{{key_id}}"): _named("DELETE", "/api-keys/{}", lambda w: w.fresh_api_key()),
    # the audit log
    ("GET", f"{V1}/audit"): _plain("GET", "/audit"),
    ("GET", f"{V1}/audit/verification"): _plain("GET", "/audit/verification"),
    # dashboard and public views
    ("GET", f"{V1}/dashboard/hotspots"): _plain("GET", "/dashboard/hotspots"),
    ("GET", f"{V1}/dashboard/trends"): _plain("GET", "/dashboard/trends"),
    ("GET", f"{V1}/dashboard/summary"): _plain("GET", "/dashboard/summary"),
    ("GET", f"{V1}/dashboard/emerging"): _plain("GET", "/dashboard/emerging"),
    ("GET", f"{V1}/public/hotspots"): _plain("GET", "/public/hotspots"),
    # problems
    ("POST", f"{V1}/problems"): lambda world, tenant: Request(
        "POST",
        f"/v1/tenants/{tenant}/problems",
        body={
            "title": "Dumping",
            "description": "Bags left by the bins.",
            "category": "noise_night",
            "cells": [world.block],
        },
    ),
    ("GET", f"{V1}/problems"): _plain("GET", "/problems"),
    ("GET", f"{V1}/problems/{{problem_id}}"): _named("GET", "/problems/{}", lambda w: w.problem["id"]),
    ("PATCH", f"{V1}/problems/{{problem_id}}"): _problem_patch,
    ("POST", f"{V1}/problems/{{problem_id}}/actions"): _named(
        "POST",
        "/problems/{}/actions",
        lambda w: w.problem["id"],
        body={
            "title": "Extra patrol",
            "owner": "neighbourhood_team",
            "due_on": (date.today() + timedelta(days=7)).isoformat(),
        },
    ),
    ("PATCH", f"{V1}/problems/{{problem_id}}/actions/{{action_id}}"): _action_patch,
    ("GET", f"{V1}/problems/{{problem_id}}/evaluation"): _named(
        "GET", "/problems/{}/evaluation", lambda w: w.problem["id"]
    ),
    # priorities
    ("POST", f"{V1}/priorities"): _plain(
        "POST", "/priorities", body={"title": "Lighting", "description": "The park is dark.", "area_name": "Park"}
    ),
    ("PATCH", f"{V1}/priorities/{{priority_id}}"): _priority_patch,
    ("GET", f"{V1}/public/priorities"): _plain("GET", "/public/priorities"),
    ("POST", f"{V1}/public/priorities/{{priority_id}}/votes"): _vote,
    # notifications
    ("GET", f"{V1}/notifications/push-key"): _plain("GET", "/notifications/push-key"),
    ("POST", f"{V1}/reports/{{report_id}}/subscriptions"): lambda world, tenant: _report_tail(
        "POST", "/subscriptions", body=world.subscription_body()
    )(world, tenant),
    ("GET", f"{V1}/reports/{{report_id}}/subscriptions"): _report_tail("GET", "/subscriptions"),
    ("POST", f"{V1}/subscriptions"): lambda world, tenant: Request(
        "POST", f"/v1/tenants/{tenant}/subscriptions", body=world.subscription_body(area={"cells": [world.block]})
    ),
    ("POST", f"{V1}/subscriptions/{{subscription_id}}/confirmation"): _confirmation,
    ("POST", f"{V1}/unsubscribe"): lambda world, tenant: Request(
        "POST", f"/v1/tenants/{tenant}/unsubscribe", query={"token": world.unsubscribe_token()}
    ),
    ("GET", f"{V1}/reports/{{report_id}}/messages"): _report_tail("GET", "/messages"),
    ("POST", f"{V1}/reports/{{report_id}}/messages"): _report_tail("POST", "/messages", body={"text": "Which bar?"}),
    ("GET", f"{V1}/reports/{{report_id}}/notifications"): _report_tail("GET", "/notifications"),
    ("GET", f"{V1}/notifications/outbox"): _plain("GET", "/notifications/outbox"),
    ("POST", f"{V1}/receipts"): lambda world, tenant: Request(
        "POST", f"/v1/tenants/{tenant}/receipts", body={"receipt": world.receipt, "event": "delivered"}
    ),
    ("POST", f"{V1}/alerts"): lambda world, tenant: Request(
        "POST", f"/v1/tenants/{tenant}/alerts", body=world.alert_body()
    ),
    ("GET", f"{V1}/alerts"): _plain("GET", "/alerts"),
    ("GET", f"{V1}/alerts/{{alert_id}}"): _named("GET", "/alerts/{}", lambda w: w.alert["id"]),
    ("PATCH", f"{V1}/alerts/{{alert_id}}"): _alert_patch,
    ("POST", f"{V1}/alerts/{{alert_id}}/decision"): _alert_decision,
    # App Factory
    ("GET", f"{V1}/app-config"): _plain("GET", "/app-config"),
    ("GET", f"{V1}/app-config/schema"): _plain("GET", "/app-config/schema"),
    ("GET", f"{V1}/app-config/draft"): _plain("GET", "/app-config/draft"),
    ("PUT", f"{V1}/app-config/draft"): _draft_put,
    ("POST", f"{V1}/app-config/validate"): _plain("POST", "/app-config/validate"),
    ("POST", f"{V1}/app-config/publish"): _plain("POST", "/app-config/publish", body={"note": "Security tier"}),
    ("GET", f"{V1}/app-config/versions"): _plain("GET", "/app-config/versions"),
    ("GET", f"{V1}/app-config/versions/{{version}}"): _named("GET", "/app-config/versions/{}", lambda w: "1"),
    ("POST", f"{V1}/app-config/rollback"): _rollback,
    ("GET", f"{V1}/app-config/audit"): _plain("GET", "/app-config/audit"),
    # assistant and knowledge
    ("POST", f"{V1}/assistant/messages"): _plain(
        "POST", "/assistant/messages", body={"text": "Where is my police station?"}
    ),
    ("GET", f"{V1}/assistant/handoffs"): _plain("GET", "/assistant/handoffs"),
    ("GET", f"{V1}/assistant/conversations/{{conversation_id}}"): _named(
        "GET", "/assistant/conversations/{}", lambda w: w.conversation
    ),
    ("POST", f"{V1}/knowledge"): lambda world, tenant: Request(
        "POST", f"/v1/tenants/{tenant}/knowledge", body=world.knowledge_body()
    ),
    ("GET", f"{V1}/knowledge"): _plain("GET", "/knowledge"),
    ("GET", f"{V1}/knowledge/{{item_id}}"): _named("GET", "/knowledge/{}", lambda w: w.knowledge["id"]),
    ("PUT", f"{V1}/knowledge/{{item_id}}"): _knowledge_put,
    ("DELETE", f"{V1}/knowledge/{{item_id}}"): _named("DELETE", "/knowledge/{}", lambda w: w.fresh_knowledge()["id"]),
    # capability model
    ("GET", f"{V1}/capability/model"): _plain("GET", "/capability/model"),
    ("POST", f"{V1}/capability/rounds"): _plain("POST", "/capability/rounds", body={"title": "Autumn round"}),
    ("GET", f"{V1}/capability/rounds"): _plain("GET", "/capability/rounds"),
    ("PATCH", f"{V1}/capability/rounds/{{round_id}}"): _round_close,
    ("PUT", f"{V1}/capability/rounds/{{round_id}}/assessments/mine"): lambda world, tenant: Request(
        "PUT", f"/v1/tenants/{tenant}/capability/rounds/{world.assessed_round}/assessments/mine", body=world.ratings()
    ),
    ("GET", f"{V1}/capability/rounds/{{round_id}}/assessments/mine"): _named(
        "GET", "/capability/rounds/{}/assessments/mine", lambda w: w.assessed_round
    ),
    ("GET", f"{V1}/capability/scorecard"): _plain("GET", "/capability/scorecard"),
    ("GET", f"{V1}/capability/scorecard/export"): _plain(
        "GET", "/capability/scorecard/export", query={"format": "csv"}
    ),
}


def preflight(path: str) -> Recipe:
    """Every resource answers a CORS preflight."""

    def recipe(world: World, tenant: str) -> Request:
        filled = path.replace("{tenant}", tenant)
        ids = ("report_id", "attachment_id", "problem_id", "action_id", "priority_id", "key_id", "alert_id", "round_id")
        for name in ids:
            filled = filled.replace("{" + name + "}", "x" * 20)
        for name in ("subscription_id", "conversation_id", "item_id", "version"):
            filled = filled.replace("{" + name + "}", "1")
        filled = filled.replace("{document}", "requests.json").replace("{service_file}", "x.json")
        filled = filled.replace("{request_file}", "x.json").replace("{token_file}", "x.json")
        headers = {"Origin": "https://app.example.org", "Access-Control-Request-Method": "GET"}
        return Request("OPTIONS", filled, headers=headers)

    return recipe


def recipe_for(method: str, path: str) -> Recipe | None:
    if method == "OPTIONS":
        return preflight(path)
    return RECIPES.get((method, path))
