"""Assistant function: residents' messages to the assistant, the officers' handoff queue, and the knowledge
repository the answers come from (admin endpoints)."""

from __future__ import annotations

import knowledge_routes
import message_routes

from koban.assistant.service import warm_up
from koban.http.api import create_app, lambda_entry
from koban.warmup import warm_up_for_snapshot

app = create_app()
app.include_router(message_routes.router)
app.include_router(knowledge_routes.router)
# The models, taxonomies and rules load in the init phase (before the snapshot with SnapStart), not on the
# first message; with SnapStart the clients are made before the snapshot too.
warm_up_for_snapshot(("dynamodb", "s3"))
warm_up()

lambda_handler = lambda_entry(app)
