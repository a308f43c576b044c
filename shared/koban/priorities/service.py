"""Community priorities logic: staff propose and answer; residents read and vote, once per device."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from koban.auth import CHANGE_REPORTS, Principal, require_staff
from koban.errors import Conflict, FieldError, NotFound, ValidationFailed
from koban.ids import new_id
from koban.priorities.models import (
    NEXT_STATUSES,
    Priority,
    PriorityChangeIn,
    PriorityIn,
    PriorityListOut,
    PriorityOut,
    PriorityStatus,
    StaffPriorityOut,
    VoteIn,
    VoteOut,
)
from koban.priorities.storage import PriorityRepository
from koban.settings import get_settings
from koban.tenants.service import get_tenant


@cache
def priority_repository() -> PriorityRepository:
    return PriorityRepository(get_settings().problems_table)


def _staff_out(priority: Priority) -> StaffPriorityOut:
    return StaffPriorityOut(**priority.model_dump(exclude={"tenant"}))


def _public_out(priority: Priority) -> PriorityOut:
    return PriorityOut(**priority.model_dump(include=set(PriorityOut.model_fields)))


def _load(tenant_id: str, priority_id: str) -> Priority:
    priority = priority_repository().get(tenant_id, priority_id)
    if priority is None:
        raise NotFound(f"There is no priority '{priority_id}' in {tenant_id}.", code="priority_not_found")
    return priority


def propose_priority(tenant_id: str, principal: Principal | None, request: PriorityIn) -> StaffPriorityOut:
    principal = require_staff(principal, tenant_id, CHANGE_REPORTS)
    tenant = get_tenant(tenant_id)
    now = datetime.now(UTC)
    priority = Priority(
        tenant=tenant.id,
        id=new_id(),
        title=request.title,
        description=request.description,
        area_name=request.area_name,
        problem_id=request.problem_id,
        created_by=principal.subject,
        created_at=now,
        updated_at=now,
    )
    priority_repository().add(priority)
    return _staff_out(priority)


def change_priority(
    tenant_id: str, priority_id: str, principal: Principal | None, change: PriorityChangeIn
) -> StaffPriorityOut:
    """Adopt (with the commitment), decline (with the reason) or mark done (with what was done)."""
    require_staff(principal, tenant_id, CHANGE_REPORTS)
    before = _load(get_tenant(tenant_id).id, priority_id)
    if change.version != before.version:
        raise Conflict(f"The priority is at version {before.version}, not {change.version}; reload it.")
    if change.status not in NEXT_STATUSES[before.status]:
        allowed = ", ".join(sorted(NEXT_STATUSES[before.status])) or "none"
        raise ValidationFailed(
            [FieldError("status", f"cannot go from '{before.status}' to '{change.status}'; allowed: {allowed}")]
        )
    texts = {"commitment": before.commitment, "outcome": before.outcome}
    texts["outcome" if change.status is PriorityStatus.DONE else "commitment"] = change.text
    after = before.model_copy(
        update={**texts, "status": change.status, "updated_at": datetime.now(UTC), "version": before.version + 1}
    )
    priority_repository().change_status(before, after)
    return _staff_out(after)


def public_priorities(tenant_id: str) -> PriorityListOut:
    """Every priority of a tenant for residents: open ones first by votes, then what was committed and done."""
    tenant = get_tenant(tenant_id)
    order = {PriorityStatus.PROPOSED: 0, PriorityStatus.ADOPTED: 1, PriorityStatus.DONE: 2, PriorityStatus.DECLINED: 3}
    priorities = sorted(priority_repository().of_tenant(tenant.id), key=lambda p: (order[p.status], -p.votes))
    return PriorityListOut(tenant=tenant.id, items=[_public_out(priority) for priority in priorities])


def vote(tenant_id: str, priority_id: str, request: VoteIn) -> VoteOut:
    tenant = get_tenant(tenant_id)
    priority = _load(tenant.id, priority_id)
    if priority.status is not PriorityStatus.PROPOSED:
        raise ValidationFailed([FieldError("priority", f"voting is closed: the priority is {priority.status}")])
    counted = priority_repository().vote(tenant.id, priority.id, request.voter)
    return VoteOut(priority_id=priority.id, votes=_load(tenant.id, priority.id).votes, counted=counted)
