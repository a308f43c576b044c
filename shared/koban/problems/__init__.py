"""Problems of the KOBAN cycle: a hotspot or emerging alert turned into a shared problem that moves through
diagnosis, planning, action and evaluation, with partners, actions and residents' feedback."""
