"""Open311 API keys: one per tenant and client app, stored hashed, revocable by its admins."""
