"""Who is calling: the staff principal, read from the claims the authorizer put into the event.

In the cloud the Cognito authorizer nests claims under `requestContext.authorizer.claims`; the optional-staff
Lambda authorizer puts the same keys flat into `requestContext.authorizer`. Handlers read claims only here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from koban.errors import Forbidden, Unauthenticated


class Role(StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    PARTNER = "partner"


# Who may do what with reports; partners (municipality, NGOs) get their own views in later issues.
READ_REPORTS = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})
CHANGE_REPORTS = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})
TAKE_REPORTS = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})
MANAGE_API_KEYS = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class Principal:
    subject: str
    tenant: str
    roles: frozenset[Role]

    def require(self, tenant: str, allowed: Iterable[Role]) -> None:
        """Raise unless this staff member belongs to `tenant` and holds one of `allowed`."""
        if self.tenant != tenant:
            raise Forbidden(f"This token is for tenant '{self.tenant}', not '{tenant}'.")
        allowed_roles = frozenset(allowed)
        if not self.roles & allowed_roles:
            needed = ", ".join(sorted(allowed_roles))
            raise Forbidden(f"This action needs one of the roles: {needed}.")


def _groups(value: Any) -> frozenset[Role]:
    if isinstance(value, str):
        names = value.strip("[]").replace(",", " ").split()
    elif isinstance(value, list):
        names = [str(name) for name in value]
    else:
        names = []
    return frozenset(Role(name) for name in names if name in Role._value2member_map_)


def principal_from_event(event: Mapping[str, Any]) -> Principal | None:
    """The staff principal of a request, or None for an anonymous (citizen) request."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = authorizer.get("claims") or authorizer
    subject = claims.get("sub")
    tenant = claims.get("custom:tenant")
    if not subject or not tenant:
        return None
    return Principal(subject=str(subject), tenant=str(tenant), roles=_groups(claims.get("cognito:groups")))


def require_staff(principal: Principal | None, tenant: str, allowed: Iterable[Role]) -> Principal:
    """The principal, if it is staff of `tenant` with one of `allowed`; else Unauthenticated or Forbidden."""
    if principal is None:
        raise Unauthenticated("This endpoint needs a staff bearer token.")
    principal.require(tenant, allowed)
    return principal
