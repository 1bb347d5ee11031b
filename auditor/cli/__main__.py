"""`python -m auditor.cli` runs the command line."""

from auditor.cli import main

main()
