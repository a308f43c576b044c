"""Domain models of a problem and the rules of its stages. Storage and API models are mapped from these.

The stages follow the KOBAN cycle: diagnosis → planning → action → evaluation → closed. A problem moves forward
one stage at a time, can be closed from any stage (with a note saying why), and a supervisor can send it back
from evaluation to action when the evaluation shows the work is not done (with a note as well).
"""

from __future__ import annotations

from datetime import date, tzinfo
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict

from koban.auth import Role


class Stage(StrEnum):
    DIAGNOSIS = "diagnosis"
    PLANNING = "planning"
    ACTION = "action"
    EVALUATION = "evaluation"
    CLOSED = "closed"


FORWARD: dict[Stage, Stage] = {
    Stage.DIAGNOSIS: Stage.PLANNING,
    Stage.PLANNING: Stage.ACTION,
    Stage.ACTION: Stage.EVALUATION,
    Stage.EVALUATION: Stage.CLOSED,
}
# Sending a problem back to work after its evaluation is a supervisor's decision.
REOPEN_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def allowed_stages(current: Stage) -> frozenset[Stage]:
    """Where a problem in `current` may go: one step forward, closed, and back to action from evaluation."""
    if current is Stage.CLOSED:
        return frozenset()
    targets = {FORWARD[current], Stage.CLOSED}
    if current is Stage.EVALUATION:
        targets.add(Stage.ACTION)
    return frozenset(targets)


def is_reopening(current: Stage, target: Stage) -> bool:
    return current is Stage.EVALUATION and target is Stage.ACTION


def needs_note(current: Stage, target: Stage) -> bool:
    """Closing (early or after evaluation) and reopening must say why; the forward steps speak for themselves."""
    return target is Stage.CLOSED or is_reopening(current, target)


class PartnerKind(StrEnum):
    MUNICIPALITY = "municipality"
    HOUSING = "housing"
    SCHOOL = "school"
    NGO = "ngo"
    BUSINESS = "business"
    OTHER = "other"


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class OwnerKind(StrEnum):
    UNIT = "unit"
    PARTNER = "partner"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class StageChange(_Frozen):
    """One entry of the stage history; the first one (from None) is the creation."""

    at: AwareDatetime
    actor: str
    from_stage: Stage | None = None
    to_stage: Stage
    note: str | None = None


class Note(_Frozen):
    at: AwareDatetime
    author: str
    text: str


class Partner(_Frozen):
    """An organisation working on the problem; never a private person (no personal data)."""

    name: str
    kind: PartnerKind
    contact_role: str | None = None


class Action(_Frozen):
    id: str
    title: str
    owner: str
    owner_kind: OwnerKind
    due_on: date
    status: ActionStatus = ActionStatus.OPEN
    created_by: str
    created_at: AwareDatetime
    done_at: AwareDatetime | None = None


class Feedback(_Frozen):
    """What residents said at a meeting, summarised by staff, with their satisfaction from 1 to 5."""

    met_on: date
    summary: str
    satisfaction: int
    recorded_by: str
    recorded_at: AwareDatetime


class Problem(_Frozen):
    tenant: str
    id: str
    title: str
    description: str
    category: str
    cells: tuple[str, ...]
    report_ids: tuple[str, ...] = ()
    stage: Stage = Stage.DIAGNOSIS
    history: tuple[StageChange, ...]
    notes: tuple[Note, ...] = ()
    partners: tuple[Partner, ...] = ()
    actions: tuple[Action, ...] = ()
    feedback: tuple[Feedback, ...] = ()
    created_by: str
    created_at: AwareDatetime
    updated_by: str
    updated_at: AwareDatetime
    version: int = 1

    def partner(self, name: str) -> Partner | None:
        """The partner called `name`, ignoring case (names are how people refer to them)."""
        wanted = name.casefold()
        return next((partner for partner in self.partners if partner.name.casefold() == wanted), None)

    def action(self, action_id: str) -> Action | None:
        return next((action for action in self.actions if action.id == action_id), None)

    def action_began_on(self, zone: tzinfo) -> tuple[date, bool]:
        """The local day the problem first entered `action` and True, or its creation day and False.

        The first entry counts: a reopening sends the same work back, it does not start it again."""
        entered = next((change.at for change in self.history if change.to_stage is Stage.ACTION), None)
        return (entered or self.created_at).astimezone(zone).date(), entered is not None
