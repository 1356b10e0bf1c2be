"""Adapters at the edge: spreadsheets, CSV and JSON lines in and out."""
