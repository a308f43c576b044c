"""The tamper-evident audit log: every staff read of personal data and every change of a report's status, one
append-only, hash-chained log per tenant (AuditTable). See `koban.audit.chain` for the hash and `koban audit verify`.
"""
