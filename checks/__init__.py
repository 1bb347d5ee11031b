"""Built-in checks: pure functions over facts, one module per family."""
