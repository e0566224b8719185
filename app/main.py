"""The FastAPI application factory."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from sqlalchemy.orm import sessionmaker

from app import auth, errors, middleware, openapi
from app.api import (
    actors,
    documents,
    export,
    health,
    imports,
    keys,
    recommendations,
    related,
    stats,
    status,
    web,
)
from app.api.strict import forbid_unknown_query
from app.config import Settings, get_settings
from app.db import make_engine
from app.migrate import head_revision


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the engine lives for the app's lifespan."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        app.state.engine = engine
        app.state.sessionmaker = sessionmaker(engine, expire_on_commit=False)
        app.state.migration_head = head_revision()
        # Everything loaded so far (modules, the app, SQLAlchemy's mappers) lives as long as
        # the process: out of the cyclic GC's sight, a full collection no longer walks it
        # during a request (the tail of the latency).
        gc.freeze()
        yield
        gc.unfreeze()
        engine.dispose()

    app = FastAPI(
        title="recotrack",
        version="0.1.0",
        summary="Policy recommendations, their addressees, sources and implementation status.",
        lifespan=lifespan,
        dependencies=[Depends(forbid_unknown_query)],
    )
    app.state.settings = settings
    errors.install(app)
    openapi.install(app)
    middleware.install(app, settings)
    app.include_router(health.router)
    web.install(app)
    # Every /api/v1 route checks the caller's key: a bad key is a 401 even where none is needed.
    # export before recommendations: /recommendations/{rec_id} would take "export" and 422.
    for module in (
        imports,
        documents,
        actors,
        export,
        recommendations,
        related,
        status,
        stats,
        keys,
    ):
        app.include_router(
            module.router, prefix="/api/v1", dependencies=[Depends(auth.authenticate)]
        )
    return app
