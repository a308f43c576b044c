"""Subscribing without an account: to a report (tracking token) or an area; confirming; one-click unsubscribe."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from params import ReportIdPath, TrackingToken

from koban.http.api import created
from koban.http.params import TenantPath
from koban.http.ratelimit import RATE_LIMITED_RESPONSE, rate_limited
from koban.notifications.schemas import (
    AreaSubscriptionIn,
    ConfirmIn,
    PushKeyOut,
    ReportSubscriptionIn,
    SubscriptionListOut,
    SubscriptionOut,
    UnsubscribedOut,
)
from koban.notifications.subscriptions import (
    confirm,
    push_key,
    report_subscriptions,
    subscribe_to_area,
    subscribe_to_report,
    unsubscribe,
)
from koban.ratelimit.service import Scope

router = Router()

SubscriptionIdPath = Annotated[str, Path(pattern=r"^[0-9a-z]{20}$", description="Subscription id")]


@router.get(
    "/v1/tenants/<tenant>/notifications/push-key",
    summary="The VAPID public key for web push subscriptions (applicationServerKey)",
    tags=["notifications"],
)
def get_push_key(tenant: TenantPath) -> PushKeyOut:
    return push_key(tenant)


@router.post(
    "/v1/tenants/<tenant>/reports/<report_id>/subscriptions",
    summary="Follow a report by e-mail, SMS or web push, with its tracking token alone",
    tags=["notifications"],
    responses={
        201: {"description": "Created (pending until the code sent by e-mail or SMS is confirmed)"},
        429: RATE_LIMITED_RESPONSE,
    },
    middlewares=[rate_limited(Scope.PUBLIC_WRITES)],
)
def follow_report(
    tenant: TenantPath, report_id: ReportIdPath, body: ReportSubscriptionIn, tracking_token: TrackingToken = None
) -> Response[SubscriptionOut]:
    subscription = subscribe_to_report(tenant, report_id, tracking_token, body)
    return created(subscription)


@router.get(
    "/v1/tenants/<tenant>/reports/<report_id>/subscriptions",
    summary="The reporter's subscriptions to the report (addresses masked)",
    tags=["notifications"],
)
def list_report_subscriptions(
    tenant: TenantPath, report_id: ReportIdPath, tracking_token: TrackingToken = None
) -> SubscriptionListOut:
    return report_subscriptions(tenant, report_id, tracking_token)


@router.post(
    "/v1/tenants/<tenant>/subscriptions",
    summary="Receive the area alerts of an area (H3 cells or a polygon), in a language, for some audiences",
    tags=["notifications"],
    responses={
        201: {"description": "Created (pending until the code sent by e-mail or SMS is confirmed)"},
        429: RATE_LIMITED_RESPONSE,
    },
    middlewares=[rate_limited(Scope.PUBLIC_WRITES)],
)
def subscribe(tenant: TenantPath, body: AreaSubscriptionIn) -> Response[SubscriptionOut]:
    return created(subscribe_to_area(tenant, body))


@router.post(
    "/v1/tenants/<tenant>/subscriptions/<subscription_id>/confirmation",
    summary="Confirm a subscription with the code sent to its address (double opt-in)",
    tags=["notifications"],
)
def confirm_subscription(tenant: TenantPath, subscription_id: SubscriptionIdPath, body: ConfirmIn) -> SubscriptionOut:
    return confirm(tenant, subscription_id, body)


@router.post(
    "/v1/tenants/<tenant>/unsubscribe",
    summary="End a subscription with the signed token of its messages (RFC 8058 one-click; any body is ignored)",
    tags=["notifications"],
)
def one_click_unsubscribe(
    tenant: TenantPath,
    token: Annotated[str, Query(pattern=r"^[0-9a-z]{20}\.[A-Za-z0-9_-]{43}$", description="From the message")],
) -> UnsubscribedOut:
    return unsubscribe(tenant, token)
