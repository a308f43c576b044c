"""Community priorities: residents see what the police propose to work on, vote once per device, and read what
was committed to and done ("you said, we did")."""
