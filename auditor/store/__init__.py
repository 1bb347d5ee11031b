"""History store: audits, results and findings in SQLite (default) or PostgreSQL."""
