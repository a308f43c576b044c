"""Open311 GeoReport v2 (with FixMyStreet's `servicerequestupdates` extension), as a pure, I/O-free layer.

`formats` renders documents to JSON or XML with the specification's element names and decodes POSTed forms;
`mapping` turns the KOBAN taxonomy, reports and lifecycle into Open311 payloads (and answers back), applying
the privacy rules of public reads. The submodules are imported directly; this package re-exports nothing so
that importing `formats` alone stays free of pydantic.
"""
