"""Parsers of the Linux fact script's sections, one module per family of sources."""
