"""Reports function: citizen and staff report intake, the staff queue, lifecycle transitions and photos."""

from __future__ import annotations

import attachment_routes
import report_routes

from koban.http.api import create_app, lambda_entry
from koban.warmup import warm_up_for_snapshot

app = create_app()
app.include_router(report_routes.router)
app.include_router(attachment_routes.router)
warm_up_for_snapshot(("dynamodb", "s3"))

lambda_handler = lambda_entry(app)
