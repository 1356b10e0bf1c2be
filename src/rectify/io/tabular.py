"""Kept for existing imports: see :mod:`rectify.adapters.spreadsheets.tabular`."""

from rectify.adapters.spreadsheets.tabular import FOOTER_PREFIX as FOOTER_PREFIX
from rectify.adapters.spreadsheets.tabular import HEADERS as HEADERS
from rectify.adapters.spreadsheets.tabular import MEASURE_SEPARATOR as MEASURE_SEPARATOR
from rectify.adapters.spreadsheets.tabular import cells as cells
from rectify.adapters.spreadsheets.tabular import footer_text as footer_text
