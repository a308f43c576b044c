"""Intelligence dashboard: hotspots, trends and emerging problems from the cell × day × category counters."""
