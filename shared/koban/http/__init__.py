"""HTTP glue shared by every API function: the resolver factory, request guards and problem+json mapping."""
