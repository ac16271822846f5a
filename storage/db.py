"""The SQLite engine: WAL, foreign keys, busy timeout, and schema migrations with Alembic."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DatabaseError as SQLAlchemyDatabaseError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000


class DatabaseError(RuntimeError):
    """The database cannot be opened or is from a newer version of CLIR Studio."""


def _set_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to ``engine`` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def _check_schema_version(engine: Engine, config: Config) -> None:
    script = ScriptDirectory.from_config(config)
    known = {rev.revision for rev in script.walk_revisions()}
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    unknown = [rev for rev in current if rev not in known]
    if unknown:
        raise DatabaseError(
            f"The database was made by a newer version of CLIR Studio (schema {unknown[0]}); "
            "upgrade CLIR Studio (`pip install -U clir-studio`) or point STUDIO_HOME at another folder."
        )


def open_database(path: Path) -> Engine:
    """Open (creating or migrating as needed) the SQLite database at ``path``.

    Raises:
        DatabaseError: the file is not a database, or its schema is newer than this code.
    """
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _set_pragmas)
    config = alembic_config(engine)
    try:
        _check_schema_version(engine, config)
        command.upgrade(config, "head")
    except SQLAlchemyDatabaseError as exc:
        engine.dispose()
        raise DatabaseError(
            f"{path} is not a usable CLIR Studio database ({exc.orig}); move it aside or set STUDIO_HOME to another folder."
        ) from exc
    except DatabaseError:
        engine.dispose()
        raise
    return engine
