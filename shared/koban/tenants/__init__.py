"""Tenants (police forces / cities) and their report taxonomy, as plugins define them."""
