"""Settings read from RECOTRACK_* environment variables."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RECOTRACK_")

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'data' / 'recotrack.db'}"
    seeds_dir: Path = PROJECT_ROOT / "seeds"
    read_requires_key: bool = False
    default_page_size: int = 50
    max_page_size: int = 500
    # Largest request body accepted (413 above it); the 20 MB import upload must fit.
    max_body_bytes: int = 25 * 1024 * 1024
    # Origins allowed to call the API from a browser, exact (scheme://host[:port]), comma-separated;
    # empty means no CORS headers at all.
    cors_origins: Annotated[list[str], NoDecode] = []
    # One JSON line per request on stderr (id, method, route, status, duration).
    request_log: bool = True

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()
