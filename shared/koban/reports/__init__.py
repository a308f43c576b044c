"""Report intake and lifecycle: one store, one lifecycle, every channel."""
