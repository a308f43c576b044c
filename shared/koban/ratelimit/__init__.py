"""Abuse protection of the open routes: per-client token buckets (GCRA) in DynamoDB, answered with 429."""
