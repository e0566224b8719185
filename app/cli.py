"""The `recotrack` command line."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import migrate
from app.config import get_settings
from app.db import begin_write, make_engine
from app.errors import AppError
from app.ingest import loader
from app.ingest.manifest import partial_date
from app.ingest.parser import ParseError
from app.models import DocType, Role
from app.schemas import DocumentCreate
from app.services import bulk, documents, export, keys
from app.services.export import Format
from app.services.querying import RecommendationFilter

app = typer.Typer(help="recotrack: track policy recommendations.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
keys_app = typer.Typer(help="API keys (Authorization: Bearer <key>).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@contextmanager
def _session(*, write: bool = False) -> Iterator[Session]:
    """A session on the configured database; an AppError becomes a message and exit status 1."""
    engine = make_engine(get_settings().database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            if write:
                begin_write(session)
            yield session
    except AppError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    except OperationalError as exc:
        typer.echo(
            f"error: {exc.orig} (is the database migrated? `recotrack db upgrade`)", err=True
        )
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the HTTP API with uvicorn."""
    import uvicorn

    from app.serving import NoDelayH11Protocol

    # Our own request log replaces uvicorn's access log, which would print query strings.
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        http=NoDelayH11Protocol,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the latest schema."""
    migrate.upgrade(get_settings().database_url)
    typer.echo(f"database at {migrate.head_revision()}")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Unique name; status changes record it.")],
    role: Annotated[Role, typer.Option(help="reader, analyst or admin.")],
) -> None:
    """Create a key and print it alone on the last line; it cannot be shown again."""
    with _session(write=True) as session:
        key, secret = keys.create(session, name, role)
        session.commit()
    typer.echo(f"Created {key.role} key {key.name!r}. Store it now: it is not shown again.")
    typer.echo(secret)


@keys_app.command("list")
def keys_list() -> None:
    """List every key (never the secrets)."""
    with _session() as session:
        rows = keys.list_all(session)
    typer.echo(f"{'NAME':<24} {'ROLE':<8} {'CREATED':<17} {'LAST USED':<17} REVOKED")
    for key in rows:
        typer.echo(
            f"{key.name:<24} {key.role:<8} {_when(key.created_at):<17} "
            f"{_when(key.last_used_at):<17} {_when(key.revoked_at)}"
        )


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


@keys_app.command("revoke")
def keys_revoke(name: Annotated[str, typer.Argument(help="The key's name.")]) -> None:
    """Revoke a key: requests with it get 401 from now on."""
    with _session(write=True) as session:
        key = keys.revoke(session, name)
        session.commit()
    typer.echo(f"Revoked key {key.name!r} at {_when(key.revoked_at)} UTC.")


@app.command()
def seed(
    directory: Annotated[
        Path | None, typer.Option(help="Folder with manifest.toml, actors.toml and the sources.")
    ] = None,
) -> None:
    """Import every publication in seeds/ (idempotent: run it as often as you like)."""
    directory = directory or get_settings().seeds_dir
    with _session(write=True) as session:
        try:
            reports = loader.seed(session, directory)
        except (ValueError, OSError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        session.commit()
    for r in reports:
        typer.echo(
            f"{r.slug}: {r.list_items} list + {r.prose_items} prose items "
            f"({r.created} new, {r.updated} updated, {r.removed} removed)"
        )
        for warning in r.warnings:
            typer.echo(f"  warning: {warning}")


@app.command("import")
def import_briefing(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="UTF-8 text file.")],
    title: Annotated[str, typer.Option(help="The publication's title.")],
    publisher: Annotated[str, typer.Option(help="Who published it.")],
    date: Annotated[
        str | None, typer.Option(help="Publication date: YYYY-MM-DD, YYYY-MM or YYYY.")
    ] = None,
    doc_type: Annotated[DocType, typer.Option(help="Kind of publication.")] = DocType.briefing,
    url: Annotated[str | None, typer.Option(help="Where it is published.")] = None,
    slug: Annotated[
        str | None, typer.Option(help="Document slug; an existing one is re-imported in place.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the items; write nothing.")
    ] = False,
) -> None:
    """Import a new briefing: its document, recommendations and any new actors."""
    try:
        published_on, precision = partial_date("--date", date, None)
        fields = DocumentCreate(
            title=title,
            publisher=publisher,
            doc_type=doc_type,
            published_on=published_on,
            date_precision=precision,
            url=url,
            slug=slug or documents.slugify(title),
            source_file=file.name,
            text=file.read_text(encoding="utf-8"),
        ).model_dump()
    except (ValueError, UnicodeDecodeError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    with _session(write=True) as session:
        if slug is None and documents.slug_exists(session, fields["slug"]):
            typer.echo(
                f"error: a document with the slug {fields['slug']!r} exists; "
                f"pass --slug {fields['slug']} to re-import it in place",
                err=True,
            )
            raise typer.Exit(2)
        try:
            imported = loader.import_briefing(session, fields, dry_run=dry_run)
        except ParseError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        if dry_run:
            session.rollback()
        else:
            session.commit()
    _print_import(imported, dry_run)


def _print_import(imported: loader.ImportResult, dry_run: bool) -> None:
    report = imported.report
    for item in loader.item_summaries(imported.result.items):
        first_words = " ".join(item["text"].split()[:8])
        typer.echo(
            f"{item['addressee_raw'] or '-'} | {item['label'] or '-'} | {item['kind']} | "
            f"{first_words} ..."
        )
    for warning in report.warnings:
        typer.echo(f"warning: {warning}")
    verb = "would import" if dry_run else "imported"
    typer.echo(
        f"{verb} {report.slug}: {report.list_items} list + {report.prose_items} prose items; "
        f"new actors: {', '.join(report.new_actors) or 'none'}"
        + ("" if dry_run else f" ({report.created} new, {report.updated} updated)")
    )


@app.command("export")
def export_command(
    fmt: Annotated[Format, typer.Option("--format", help="csv or ndjson.")],
    with_history: Annotated[
        bool, typer.Option("--with-history", help="ndjson: each status history inline.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Export every recommendation; ndjson --with-history is a complete backup."""
    with _session() as session:
        export.begin_snapshot(session)
        chunks = export.lines(session, RecommendationFilter(), fmt, with_history=with_history)
        if output is None:
            stream = typer.get_binary_stream("stdout")
            for chunk in chunks:
                stream.write(chunk.encode("utf-8"))
            stream.flush()
            return
        with output.open("w", encoding="utf-8", newline="") as out:
            for chunk in chunks:
                out.write(chunk)
    typer.echo(f"wrote {output}", err=True)


@app.command("load")
def load_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="An NDJSON export.")],
    batch: Annotated[
        int, typer.Option(min=1, help="Recommendations per transaction.")
    ] = bulk.BATCH,
) -> None:
    """Bulk-load an NDJSON export (a backup); loading the same file again adds nothing."""
    with _session() as session, file.open("rb") as lines:
        try:
            report = bulk.load(session, lines, batch=batch)
        except (ValueError, KeyError, TypeError) as exc:
            typer.echo(f"error: {file}: {exc!r}", err=True)
            raise typer.Exit(2) from exc
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(
        f"loaded {report.recommendations} recommendations ({report.already_there} already there), "
        f"{report.documents} documents, {report.actors} actors, "
        f"{report.status_changes} status changes, {report.links} links "
        f"in {report.seconds:.1f} s ({report.rate:,.0f} recommendations/s)"
    )


if __name__ == "__main__":
    app()
