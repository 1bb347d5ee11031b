"""Collectors: gather facts from assets, never judge them."""
