"""Policy packs shipped as package data (YAML)."""
