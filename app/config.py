"""Settings read from RECOTRACK_* environment variables."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RECOTRACK_")

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'data' / 'recotrack.db'}"
    seeds_dir: Path = PROJECT_ROOT / "seeds"
    read_requires_key: bool = False
    default_page_size: int = 50
    max_page_size: int = 500


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()
