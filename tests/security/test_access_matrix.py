"""The access matrix: every route of the template × six callers × own tenant, another tenant's credentials, and
another tenant's resource named under one's own tenant; the outcome each must have comes from the declared
policy (`tests/security/policy.py`), and no request may reach another tenant's data.

Handlers are called in-process with the claims the gateway would inject (none on routes the template leaves
open), so this proves the handlers' own checks; the template's authorizers are checked against the policy too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from koban.notifications import tokens
from koban_local.template import Route, Template
from tests.api import ApiClient, Reply, staff_claims
from tests.security import figures
from tests.security.policy import ALLOW, CLASSES, ROUTES, Caller, Outcome, access_class, expected
from tests.security.policy import AUTHORIZER_KINDS as KINDS
from tests.security.world import KNOWN_CODE, Request, World, recipe_for

OWN, OTHER = "pilot-nl", "pilot-pl"
# Path parameters that name one tenant's resource (an id another tenant could try to reach).
RESOURCE_PARAMETERS = frozenset(
    {
        "report_id",
        "attachment_id",
        "problem_id",
        "action_id",
        "priority_id",
        "key_id",
        "alert_id",
        "subscription_id",
        "conversation_id",
        "item_id",
        "round_id",
        "request_file",
        "token_file",
    }
)
# Routes whose secret travels in the query or body: another tenant's secret under one's own tenant is refused so.
SECRET_ROUTES: dict[tuple[str, str], int] = {
    ("POST", "/v1/tenants/{tenant}/unsubscribe"): 404,
    ("POST", "/open311/v2/{document}"): 403,
}


def _template_routes() -> list[Route]:
    return Template.load(Path(__file__).resolve().parents[2] / "template.yaml").routes


ROUTE_LIST = _template_routes()


@pytest.fixture(scope="module")
def worlds(api: ApiClient) -> Iterator[dict[str, World]]:
    """Given two tenants with one of everything, e-mail codes known to the test (the code the resident reads)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tokens, "new_code", lambda: KNOWN_CODE)
        yield {tenant: World(api, tenant) for tenant in (OWN, OTHER)}


@dataclass(frozen=True)
class Attempt:
    relation: str  # own, foreign_credentials, foreign_resource
    caller: Caller
    status: int
    want: Outcome
    body: str

    def ok(self) -> bool:
        if self.want == ALLOW:
            return 200 <= self.status < 300
        return self.status == self.want


def _claims(route: Route, template: Template, caller: Caller, tenant: str) -> dict[str, str] | None:
    """What the gateway puts into the event: claims only on routes with an authorizer, for staff tokens."""
    if caller in (Caller.ANONYMOUS, Caller.RESIDENT) or route.authorizer is None:
        return None
    return staff_claims(tenant, caller.value, f"{caller.value}-{tenant}")


def _send(
    api: ApiClient, route: Route, template: Template, request: Request, caller: Caller, tenant: str, token: str | None
) -> Reply:
    headers = {"X-Tracking-Token": token} if caller is Caller.RESIDENT and token else {}
    reply = request.send(api, _claims(route, template, caller, tenant), headers)
    figures.record("access_checks")
    if reply.status >= 500:
        figures.record("server_errors")
    return reply


def _kind(route: Route, template: Template) -> str | None:
    return template.authorizers[route.authorizer] if route.authorizer else None


def _resource_named(route: Route) -> bool:
    parameters = {part.strip("{}") for part in route.path.split("/") if part.startswith("{")}
    return bool(parameters & RESOURCE_PARAMETERS) or (route.method, route.path) in SECRET_ROUTES


def _foreign_credentials_want(access: str, caller: Caller, kind: str | None) -> Outcome:
    """Another tenant's staff token: 403 wherever a token is read; another report's tracking token: 404, unless
    the route is open to anyone anyway."""
    anonymous = expected(access, Caller.ANONYMOUS, kind)
    if caller is Caller.RESIDENT:
        own = expected(access, Caller.RESIDENT, kind)
        return own if own != ALLOW or anonymous == ALLOW else 404
    if kind is None:
        return anonymous
    return 403


def test_every_route_has_a_policy_and_a_recipe(template: Template) -> None:
    # Given the template's routes, Then each has an access class and a request recipe (a new route must get both)
    missing = [f"{r.method} {r.path}" for r in template.routes if access_class(r.method, r.path) is None]
    assert not missing, f"routes without an access class in tests/security/policy.py: {missing}"
    no_recipe = [f"{r.method} {r.path}" for r in template.routes if recipe_for(r.method, r.path) is None]
    assert not no_recipe, f"routes without a request recipe in tests/security/world.py: {no_recipe}"
    # And the policy names no route the template has dropped
    routed = {(r.method, r.path) for r in template.routes}
    assert set(ROUTES) <= routed, f"policy entries for routes that no longer exist: {set(ROUTES) - routed}"


def test_every_documented_operation_is_in_the_policy(repo_root: Path) -> None:
    document = json.loads((repo_root / "functions" / "docs" / "openapi.json").read_text(encoding="utf-8"))
    operations = [(method.upper(), path) for path, item in document["paths"].items() for method in item]
    missing = [f"{method} {path}" for method, path in operations if (method, path) not in ROUTES]
    assert not missing, f"documented operations without an access class: {missing}"


def test_each_route_has_the_authorizer_its_class_needs(template: Template) -> None:
    # Staff-only routes are refused by the gateway before a handler runs; routes for residents are not.
    wrong = [
        f"{r.method} {r.path}: {r.authorizer} for {access_class(r.method, r.path)}"
        for r in template.routes
        if access_class(r.method, r.path) in KINDS
        and _kind(r, template) not in KINDS[access_class(r.method, r.path) or ""]
    ]
    assert not wrong, wrong
    # And the OpenAPI document marks exactly the staff routes as needing a bearer token
    assert set(CLASSES) == set(KINDS)


@pytest.mark.parametrize("route", ROUTE_LIST, ids=[f"{r.method} {r.path}" for r in ROUTE_LIST])
def test_route_answers_each_caller_as_the_policy_says(
    route: Route, template: Template, api: ApiClient, worlds: dict[str, World]
) -> None:
    access = access_class(route.method, route.path)
    recipe = recipe_for(route.method, route.path)
    assert access is not None, "see test_every_route_has_a_policy_and_a_recipe"
    assert recipe is not None, "see test_every_route_has_a_policy_and_a_recipe"
    kind = _kind(route, template)
    own, other = worlds[OWN], worlds[OTHER]
    attempts: list[Attempt] = []
    for caller in Caller:
        # Given a request for one of the own tenant's resources (made fresh where the route changes it)
        request = recipe(own, OWN)
        # When the caller sends it with credentials of the own tenant
        reply = _send(
            api, route, template, request, caller, OWN, request.tracking_token or own.report["tracking_token"]
        )
        attempts.append(Attempt("own", caller, reply.status, expected(access, caller, kind), reply.body))
        # When the caller sends it with credentials of another tenant (its staff token, its report's token)
        if caller is not Caller.ANONYMOUS and route.method != "OPTIONS":
            request = recipe(own, OWN)
            reply = _send(api, route, template, request, caller, OTHER, other.report["tracking_token"])
            want = _foreign_credentials_want(access, caller, kind)
            attempts.append(Attempt("foreign_credentials", caller, reply.status, want, reply.body))
            if 200 <= reply.status < 300 and expected(access, Caller.ANONYMOUS, kind) != ALLOW:
                figures.record("cross_tenant_allowed")
        # When the caller names another tenant's resource (and its secret) under its own tenant
        if _resource_named(route) and route.method != "OPTIONS":
            request = recipe(other, OWN)
            reply = _send(
                api, route, template, request, caller, OWN, request.tracking_token or other.report["tracking_token"]
            )
            own_want = expected(access, caller, kind)
            want = SECRET_ROUTES.get((route.method, route.path), 404) if own_want == ALLOW else own_want
            attempts.append(Attempt("foreign_resource", caller, reply.status, want, reply.body))
            if 200 <= reply.status < 300:
                figures.record("cross_tenant_allowed")
    # Then every answer is the one the policy declares, and none is a 5xx
    wrong = [f"{a.relation} {a.caller}: got {a.status}, want {a.want}: {a.body[:160]}" for a in attempts if not a.ok()]
    assert not wrong, "\n".join(wrong)
