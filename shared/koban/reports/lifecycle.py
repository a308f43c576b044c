"""The report lifecycle, modelled on the Polish KMZB semantics.

new → verifying → confirmed → in_progress → resolved, with exits to `referred` (outside the police, e.g. the
municipality), `unconfirmed` (checked, not found), `rejected` (a joke or a mistake) and `duplicate` (linked to
its original). Terminal statuses can be reopened to `verifying` by a supervisor.
"""

from __future__ import annotations

from enum import StrEnum

from koban.auth import Role


class Status(StrEnum):
    NEW = "new"
    VERIFYING = "verifying"
    CONFIRMED = "confirmed"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REFERRED = "referred"
    UNCONFIRMED = "unconfirmed"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.VERIFYING, Status.CONFIRMED, Status.REFERRED, Status.REJECTED, Status.DUPLICATE}),
    Status.VERIFYING: frozenset(
        {Status.CONFIRMED, Status.UNCONFIRMED, Status.REFERRED, Status.REJECTED, Status.DUPLICATE}
    ),
    Status.CONFIRMED: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.REFERRED}),
    Status.IN_PROGRESS: frozenset({Status.RESOLVED, Status.REFERRED}),
    Status.RESOLVED: frozenset({Status.VERIFYING}),
    Status.REFERRED: frozenset({Status.VERIFYING}),
    Status.UNCONFIRMED: frozenset({Status.VERIFYING}),
    Status.REJECTED: frozenset({Status.VERIFYING}),
    Status.DUPLICATE: frozenset({Status.VERIFYING}),
}

TERMINAL = frozenset({Status.RESOLVED, Status.REFERRED, Status.UNCONFIRMED, Status.REJECTED, Status.DUPLICATE})
# Reopening a closed report is a supervisor's decision.
REOPEN_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def allowed_targets(current: Status) -> frozenset[Status]:
    return TRANSITIONS[current]


def is_allowed(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


def needs_supervisor(current: Status, target: Status) -> bool:
    return current in TERMINAL and target is Status.VERIFYING
