"""Kept for existing imports: the view stores are adapters now, in
:mod:`rectify.adapters.viewstores`."""

from rectify.adapters.viewstores import (
    PostgresViewStore,
    SQLiteViewStore,
    StoreConflict,
    ViewStore,
    to_json,
)

__all__ = ["PostgresViewStore", "SQLiteViewStore", "StoreConflict", "ViewStore", "to_json"]
