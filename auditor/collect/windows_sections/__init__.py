"""Parsers of the Windows facts document, one module per family of sections."""
