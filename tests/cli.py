"""Run the `recotrack` command line in-process on a given database."""

from click.testing import Result
from typer.testing import CliRunner

from app.cli import app
from app.config import get_settings


def run_cli(database_url: str, *args: str) -> Result:
    """recotrack *args with RECOTRACK_DATABASE_URL=database_url."""
    get_settings.cache_clear()  # settings are read once per process; re-read the URL
    try:
        return CliRunner().invoke(app, list(args), env={"RECOTRACK_DATABASE_URL": database_url})
    finally:
        get_settings.cache_clear()
