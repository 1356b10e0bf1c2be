"""Kept for existing imports: see :mod:`rectify.adapters.spreadsheets.notice`."""

from rectify.adapters.spreadsheets.notice import notice_markdown as notice_markdown
from rectify.adapters.spreadsheets.notice import write_notice as write_notice
