"""Kept for existing imports: see :mod:`rectify.application.imports` and
:mod:`rectify.adapters.spreadsheets.importer`."""

from rectify.adapters.spreadsheets.importer import ImportResult as ImportResult
from rectify.adapters.spreadsheets.reading import ImportRejected as ImportRejected
from rectify.adapters.spreadsheets.reading import RowError as RowError
from rectify.application.imports import import_ledger as import_ledger
