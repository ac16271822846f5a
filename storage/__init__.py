"""Persistent state of CLIR Studio: SQLAlchemy models, the database and the store gateway."""

from __future__ import annotations

from storage.db import DatabaseError, open_database
from storage.store import DuplicateNameError, NotFoundError, Store

__all__ = ["DatabaseError", "DuplicateNameError", "NotFoundError", "Store", "open_database"]
