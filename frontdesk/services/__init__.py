"""Use cases: one user action, one transaction, no Textual."""
