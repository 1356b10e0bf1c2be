"""Kept for existing imports: see :mod:`rectify.adapters.spreadsheets.importer`."""

from rectify.adapters.spreadsheets.importer import ImportRejected as ImportRejected
from rectify.adapters.spreadsheets.importer import ImportResult as ImportResult
from rectify.adapters.spreadsheets.importer import RowError as RowError
from rectify.adapters.spreadsheets.importer import import_ledger as import_ledger
