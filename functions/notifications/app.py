"""Notifications function: subscriptions, the private thread of a report, area alerts, the outbox and receipts."""

from __future__ import annotations

import alert_routes
import subscription_routes
import thread_routes

from koban.http.api import create_app, lambda_entry
from koban.warmup import warm_up_for_snapshot

app = create_app()
app.include_router(subscription_routes.router)
app.include_router(thread_routes.router)
app.include_router(alert_routes.router)
warm_up_for_snapshot(("dynamodb", "sqs", "kms"))

lambda_handler = lambda_entry(app)
