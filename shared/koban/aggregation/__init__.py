"""Dashboard counters kept from the reports stream: what each report contributes, applied idempotently."""
