"""User-facing strings, one catalogue per language."""
