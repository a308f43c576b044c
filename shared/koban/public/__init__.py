"""The residents' transparency view: what the force's counters may show anyone, and nothing more."""
