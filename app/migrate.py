"""Run Alembic migrations from code (CLI, tests, readiness check)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from app.config import PROJECT_ROOT

# Objects the migrations create outside the ORM models (full-text search, the SQLite status
# counts of 0005), which the models-versus-database comparison must not report as missing.
UNMODELLED_TABLE_PREFIX = "recommendations_fts"
UNMODELLED_TABLES = frozenset({"status_counts", "actor_status_counts"})
UNMODELLED_NAMES = frozenset({"search_vector", "ix_recommendations_search_vector"})


def include_name(name: str | None, type_: str, _parent_names: dict) -> bool:
    """Alembic hook: compare everything but the objects the models do not describe."""
    if type_ == "table" and name and name.startswith(UNMODELLED_TABLE_PREFIX):
        return False
    if type_ == "table" and name in UNMODELLED_TABLES:
        return False
    return name not in UNMODELLED_NAMES


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(Path(PROJECT_ROOT / "migrations")))
    config.attributes["configure_logger"] = False
    if url is not None:
        config.attributes["url"] = url
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str | None = None) -> None:
    """Migrate the database to the latest revision."""
    command.upgrade(alembic_config(url), "head")


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
