"""The old home of the spreadsheet adapters, kept so that existing imports keep working.

They live in :mod:`rectify.adapters.spreadsheets` now.
"""
