"""Spreadsheets and CSV: a committee's ledger (臺賬) in, the ledger, figures and notices out."""
