"""Privacy (GDPR) of reporters and subscribers: redaction of free text that leaves the police, retention periods
per tenant, a blind index of contact details, erasure by the reporter or by an admin's subject request, and the
staff and partners' reports export (no personal fields, text redacted, location coarsened to the block)."""
