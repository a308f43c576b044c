"""Who may call what: the declared access policy that the access matrix checks every route of the template against.

Each route has an access class (`ROUTES`); each class says, per caller, `ALLOW` or the status of the refusal
(`CLASSES`). A caller is one of six roles: anonymous, a resident holding the tracking token of the report the
request names, and staff tokens (officer, supervisor, admin, partner). Routes the template leaves open (no
authorizer) never see a staff token, in the cloud as here, so there a staff caller is an anonymous one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Caller(StrEnum):
    ANONYMOUS = "anonymous"
    RESIDENT = "resident"  # anonymous, with the X-Tracking-Token of the report the request names
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    PARTNER = "partner"


STAFF_CALLERS: Final = (Caller.OFFICER, Caller.SUPERVISOR, Caller.ADMIN, Caller.PARTNER)
ALLOW: Final = "allow"
Outcome = str | int  # ALLOW, or the status every refusal must have


def _staff(allowed: set[Caller], anonymous: int = 401) -> dict[Caller, Outcome]:
    """A class for staff tokens (the gateway's Cognito authorizer): anonymous callers get 401, staff roles
    outside `allowed` 403."""
    table: dict[Caller, Outcome] = {Caller.ANONYMOUS: anonymous, Caller.RESIDENT: anonymous}
    table.update({caller: ALLOW if caller in allowed else 403 for caller in STAFF_CALLERS})
    return table


_EVERYONE: dict[Caller, Outcome] = {caller: ALLOW for caller in Caller}
_READERS = {Caller.OFFICER, Caller.SUPERVISOR, Caller.ADMIN}

CLASSES: Final[dict[str, dict[Caller, Outcome]]] = {
    # Anyone: tenants, categories, public views, the citizen app's configuration, docs, Open311 reads; and the
    # routes whose secret is in the request itself (a subscription's code, an unsubscribe link, a receipt, an
    # Open311 API key), which the recipe sends for every caller.
    "public": _EVERYONE,
    # Anyone, and staff (with the optional-staff authorizer) of the tenant who may take reports for someone.
    "intake": {**_EVERYONE, Caller.PARTNER: 403},
    # The reporter (tracking token) or staff who read reports; partners have no view of a single report yet.
    "reporter_or_staff": {
        Caller.ANONYMOUS: 401,
        Caller.RESIDENT: ALLOW,
        Caller.OFFICER: ALLOW,
        Caller.SUPERVISOR: ALLOW,
        Caller.ADMIN: ALLOW,
        Caller.PARTNER: 403,
    },
    # The private thread: partners may read it (redacted), never write.
    "thread_read": {
        Caller.ANONYMOUS: 401,
        Caller.RESIDENT: ALLOW,
        Caller.OFFICER: ALLOW,
        Caller.SUPERVISOR: ALLOW,
        Caller.ADMIN: ALLOW,
        Caller.PARTNER: ALLOW,
    },
    # The reporter only, on an open route: staff tokens are not seen, so staff are anonymous there.
    "reporter": {caller: ALLOW if caller is Caller.RESIDENT else 422 for caller in Caller},
    "staff": _staff(_READERS),
    "staff_or_partner": _staff({*_READERS, Caller.PARTNER}),
    "supervisor": _staff({Caller.SUPERVISOR, Caller.ADMIN}),
    "admin": _staff({Caller.ADMIN}),
    # The reports export: supervisors, admins and partners (no personal fields, text redacted); not officers.
    "supervisor_or_partner": _staff({Caller.SUPERVISOR, Caller.ADMIN, Caller.PARTNER}),
    # A CORS preflight is answered for everyone.
    "preflight": _EVERYONE,
}

# (method, template path) → access class. OPTIONS routes are all "preflight".
ROUTES: Final[dict[tuple[str, str], str]] = {
    ("GET", "/v1/tenants"): "public",
    ("GET", "/v1/tenants/{tenant}"): "public",
    ("GET", "/v1/tenants/{tenant}/categories"): "public",
    ("GET", "/v1/openapi.json"): "public",
    ("GET", "/v1/docs"): "public",
    ("POST", "/v1/tenants/{tenant}/reports"): "intake",
    ("GET", "/v1/tenants/{tenant}/reports"): "staff",
    ("GET", "/v1/tenants/{tenant}/reports/{report_id}"): "reporter_or_staff",
    ("PATCH", "/v1/tenants/{tenant}/reports/{report_id}"): "staff",
    ("POST", "/v1/tenants/{tenant}/attachments"): "public",
    ("GET", "/v1/tenants/{tenant}/attachments/{attachment_id}"): "staff",
    ("DELETE", "/v1/tenants/{tenant}/reports/{report_id}/personal-data"): "reporter",
    ("POST", "/v1/tenants/{tenant}/privacy/subject-requests"): "admin",
    ("GET", "/v1/tenants/{tenant}/reports/export"): "supervisor_or_partner",
    ("GET", "/open311/v2/{document}"): "public",
    ("POST", "/open311/v2/{document}"): "public",
    ("GET", "/open311/v2/services/{service_file}"): "public",
    ("GET", "/open311/v2/requests/{request_file}"): "public",
    ("GET", "/open311/v2/tokens/{token_file}"): "public",
    ("POST", "/v1/tenants/{tenant}/api-keys"): "admin",
    ("GET", "/v1/tenants/{tenant}/api-keys"): "admin",
    ("DELETE", "/v1/tenants/{tenant}/api-keys/{key_id}"): "admin",
    ("GET", "/v1/tenants/{tenant}/audit"): "admin",
    ("GET", "/v1/tenants/{tenant}/audit/verification"): "admin",
    ("GET", "/v1/tenants/{tenant}/dashboard/hotspots"): "staff",
    ("GET", "/v1/tenants/{tenant}/dashboard/trends"): "staff",
    ("GET", "/v1/tenants/{tenant}/dashboard/summary"): "staff",
    ("GET", "/v1/tenants/{tenant}/dashboard/emerging"): "staff",
    ("GET", "/v1/tenants/{tenant}/public/hotspots"): "public",
    ("POST", "/v1/tenants/{tenant}/problems"): "staff",
    ("GET", "/v1/tenants/{tenant}/problems"): "staff",
    ("GET", "/v1/tenants/{tenant}/problems/{problem_id}"): "staff",
    ("PATCH", "/v1/tenants/{tenant}/problems/{problem_id}"): "staff",
    ("POST", "/v1/tenants/{tenant}/problems/{problem_id}/actions"): "staff",
    ("PATCH", "/v1/tenants/{tenant}/problems/{problem_id}/actions/{action_id}"): "staff",
    ("GET", "/v1/tenants/{tenant}/problems/{problem_id}/evaluation"): "staff",
    ("POST", "/v1/tenants/{tenant}/priorities"): "staff",
    ("PATCH", "/v1/tenants/{tenant}/priorities/{priority_id}"): "staff",
    ("GET", "/v1/tenants/{tenant}/public/priorities"): "public",
    ("POST", "/v1/tenants/{tenant}/public/priorities/{priority_id}/votes"): "public",
    ("GET", "/v1/tenants/{tenant}/notifications/push-key"): "public",
    ("POST", "/v1/tenants/{tenant}/reports/{report_id}/subscriptions"): "reporter",
    ("GET", "/v1/tenants/{tenant}/reports/{report_id}/subscriptions"): "reporter",
    ("POST", "/v1/tenants/{tenant}/subscriptions"): "public",
    ("POST", "/v1/tenants/{tenant}/subscriptions/{subscription_id}/confirmation"): "public",
    ("POST", "/v1/tenants/{tenant}/unsubscribe"): "public",
    ("GET", "/v1/tenants/{tenant}/reports/{report_id}/messages"): "thread_read",
    ("POST", "/v1/tenants/{tenant}/reports/{report_id}/messages"): "reporter_or_staff",
    ("GET", "/v1/tenants/{tenant}/reports/{report_id}/notifications"): "reporter",
    ("GET", "/v1/tenants/{tenant}/notifications/outbox"): "staff",
    ("POST", "/v1/tenants/{tenant}/receipts"): "public",
    ("POST", "/v1/tenants/{tenant}/alerts"): "staff",
    ("GET", "/v1/tenants/{tenant}/alerts"): "staff",
    ("GET", "/v1/tenants/{tenant}/alerts/{alert_id}"): "staff",
    ("PATCH", "/v1/tenants/{tenant}/alerts/{alert_id}"): "staff",
    ("POST", "/v1/tenants/{tenant}/alerts/{alert_id}/decision"): "supervisor",
    ("GET", "/v1/tenants/{tenant}/app-config"): "public",
    ("GET", "/v1/tenants/{tenant}/app-config/schema"): "public",
    ("GET", "/v1/tenants/{tenant}/app-config/draft"): "supervisor",
    ("PUT", "/v1/tenants/{tenant}/app-config/draft"): "admin",
    ("POST", "/v1/tenants/{tenant}/app-config/validate"): "supervisor",
    ("POST", "/v1/tenants/{tenant}/app-config/publish"): "admin",
    ("GET", "/v1/tenants/{tenant}/app-config/versions"): "supervisor",
    ("GET", "/v1/tenants/{tenant}/app-config/versions/{version}"): "supervisor",
    ("POST", "/v1/tenants/{tenant}/app-config/rollback"): "admin",
    ("GET", "/v1/tenants/{tenant}/app-config/audit"): "supervisor",
    ("POST", "/v1/tenants/{tenant}/assistant/messages"): "public",
    ("GET", "/v1/tenants/{tenant}/assistant/handoffs"): "staff",
    ("GET", "/v1/tenants/{tenant}/assistant/conversations/{conversation_id}"): "staff",
    ("POST", "/v1/tenants/{tenant}/knowledge"): "admin",
    ("GET", "/v1/tenants/{tenant}/knowledge"): "staff",
    ("GET", "/v1/tenants/{tenant}/knowledge/{item_id}"): "staff",
    ("PUT", "/v1/tenants/{tenant}/knowledge/{item_id}"): "admin",
    ("DELETE", "/v1/tenants/{tenant}/knowledge/{item_id}"): "admin",
    ("GET", "/v1/tenants/{tenant}/capability/model"): "staff_or_partner",
    ("POST", "/v1/tenants/{tenant}/capability/rounds"): "supervisor",
    ("GET", "/v1/tenants/{tenant}/capability/rounds"): "staff_or_partner",
    ("PATCH", "/v1/tenants/{tenant}/capability/rounds/{round_id}"): "supervisor",
    ("PUT", "/v1/tenants/{tenant}/capability/rounds/{round_id}/assessments/mine"): "staff_or_partner",
    ("GET", "/v1/tenants/{tenant}/capability/rounds/{round_id}/assessments/mine"): "staff_or_partner",
    ("GET", "/v1/tenants/{tenant}/capability/scorecard"): "staff_or_partner",
    ("GET", "/v1/tenants/{tenant}/capability/scorecard/export"): "staff_or_partner",
}

# Which template authorizer each class needs: staff classes the Cognito one (the gateway refuses anonymous
# calls before any handler runs), classes that serve residents and staff the optional one or none.
AUTHORIZER_KINDS: Final[dict[str, frozenset[str | None]]] = {
    "public": frozenset({None, "lambda"}),
    "intake": frozenset({"lambda"}),
    "reporter_or_staff": frozenset({"lambda"}),
    "thread_read": frozenset({"lambda"}),
    "reporter": frozenset({None}),
    "staff": frozenset({"cognito"}),
    "staff_or_partner": frozenset({"cognito"}),
    "supervisor": frozenset({"cognito"}),
    "admin": frozenset({"cognito"}),
    "supervisor_or_partner": frozenset({"cognito"}),
    "preflight": frozenset({None}),
}


def access_class(method: str, path: str) -> str | None:
    if method == "OPTIONS":
        return "preflight"
    return ROUTES.get((method, path))


def expected(access: str, caller: Caller, authorizer_kind: str | None) -> Outcome:
    """The outcome for `caller`; on a route without an authorizer a staff token is never seen (anonymous)."""
    if authorizer_kind is None and caller in STAFF_CALLERS:
        caller = Caller.ANONYMOUS
    return CLASSES[access][caller]
