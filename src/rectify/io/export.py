"""Kept for existing imports: see :mod:`rectify.adapters.spreadsheets.export`."""

from rectify.adapters.spreadsheets.export import write_csv as write_csv
from rectify.adapters.spreadsheets.export import write_xlsx as write_xlsx
