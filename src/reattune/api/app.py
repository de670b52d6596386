"""The FastAPI application: routes under ``/api/v1``, the OpenAPI document at
``/api/v1/openapi.json`` (no documentation pages: they would load scripts and fonts from a
CDN, and this service makes no third-party requests, ever)."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from reattune import __version__
from reattune.api.errors import install_error_handlers
from reattune.api.middleware import ServiceEdge
from reattune.api.routes import accounts, couples, items
from reattune.api.schemas import ErrorOut, HealthOut
from reattune.service.core import Context

__all__ = ["PREFIX", "create_app"]

PREFIX = "/api/v1"

ERRORS = {status: {"model": ErrorOut} for status in (400, 401, 403, 404, 409, 413, 422, 429, 500)}


def create_app(ctx: Context, *, enqueue: Callable[[str], None] | None = None) -> FastAPI:
    """``enqueue`` receives the id of an upload to analyse in the background (default:
    analyse it in this thread, for tests and tools)."""
    app = FastAPI(
        lifespan=_lifespan,
        title="reattune",
        version=__version__,
        description="Couples, consent, encrypted storage and an audit trail.",
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{PREFIX}/openapi.json",
        responses=ERRORS,  # type: ignore[arg-type]
    )
    app.state.ctx = ctx
    app.state.enqueue = enqueue or _run_inline(ctx)
    install_error_handlers(app)
    api = APIRouter(prefix=PREFIX)
    api.include_router(accounts.router)
    api.include_router(couples.router)
    api.include_router(items.router)

    @api.get("/health", tags=["meta"])
    def health() -> HealthOut:
        return HealthOut(status="ok")

    app.include_router(api)
    app.add_middleware(
        ServiceEdge, json_limit=ctx.config.json_limit, upload_limit=ctx.config.upload_limit + 65536
    )
    return app


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """When the server starts: everything made so far (modules, routes, schemas, the ORM's
    mappers — some 180,000 objects) lives as long as the process, so it is moved out of the
    garbage collector's sight (``gc.freeze``). Otherwise every full collection walked all of
    it — 100-170 ms under the benchmark's load, every few seconds, with every request
    stopped — which was most of the p99 tail."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run_inline(ctx: Context) -> Callable[[str], None]:
    from reattune.service.items import run_analysis

    def run(item_id: str) -> None:
        run_analysis(ctx, item_id)

    return run
