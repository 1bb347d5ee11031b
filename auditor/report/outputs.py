"""The names of the files an audit writes into its folder, in one place: the writer, the
PDF signer, the outbox and the transports all name them (a module with no imports, so the
upload path does not load the report writer to know a file name)."""

REPORT = "report.json"
SIGNATURE = "report.json.p7s"
HTML = "report.html"
PDF = "report.pdf"  # the signed PDF, made by `audit --pdf` or `auditor pdf`
