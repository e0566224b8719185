"""The seed manifest (seeds/manifest.toml): one entry per publication; files may hold several."""

import datetime
import pathlib
import re
import tomllib
from dataclasses import dataclass

from app.ingest.parser import Correction, normalize, prose_default

DOC_TYPES = ("briefing", "report", "open_letter", "qa", "policy_brief", "other")
PRECISIONS = ("day", "month", "year")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEYS = {
    "slug",
    "title",
    "publisher",
    "doc_type",
    "published_on",
    "date_precision",
    "url",
    "source_file",
    "start",
    "end",
    "prose",
    "corrections",
}
REQUIRED = ("slug", "title", "publisher", "doc_type", "source_file")


@dataclass(frozen=True)
class PublicationSpec:
    """A publication's metadata and where its text is in its source file."""

    slug: str
    title: str
    publisher: str
    doc_type: str
    published_on: datetime.date | None
    date_precision: str | None
    url: str | None
    source_file: str
    start: str | None = None  # the publication starts at the first line that begins with this
    end: str | None = None  # ... and ends with the first line after it that begins with this
    prose: bool = False  # parse prose recommendations too (default: open letters and Q&As)
    corrections: tuple[Correction, ...] = ()

    def parse_options(self) -> dict:
        """Keyword arguments for parser.parse() for this publication: corrections and prose."""
        return {"corrections": self.corrections, "prose": self.prose}

    def extract(self, file_text: str) -> str:
        """The publication's Document.text: its lines of the normalised file, normalised."""
        lines = normalize(file_text).split("\n")
        first = 0
        if self.start is not None:
            first = _find(
                lines,
                self.start,
                0,
                f"{self.slug}: start line {self.start!r} not found in {self.source_file}",
            )
        last = len(lines) - 1
        if self.end is not None:
            last = _find(
                lines,
                self.end,
                first,
                f"{self.slug}: end line {self.end!r} not found after its start",
            )
        return normalize("\n".join(lines[first : last + 1]))


def _find(lines: list[str], prefix: str, begin: int, message: str) -> int:
    want = " ".join(prefix.split())
    for i in range(begin, len(lines)):
        if " ".join(lines[i].split()).startswith(want):
            return i
    raise ValueError(message)


def load(path: pathlib.Path) -> list[PublicationSpec]:
    """Read and check seeds/manifest.toml; raise ValueError saying what is wrong and where."""
    path = pathlib.Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ValueError(f"{path}: cannot read manifest: {exc}") from exc
    entries = data.get("publication")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: expected one or more [[publication]] tables")
    specs = [_spec(path, i, entry) for i, entry in enumerate(entries)]
    slugs = [s.slug for s in specs]
    duplicates = sorted({s for s in slugs if slugs.count(s) > 1})
    if duplicates:
        raise ValueError(f"{path}: duplicate slugs {duplicates}")
    for spec in specs:
        source = path.parent / spec.source_file
        if not source.is_file():
            raise ValueError(
                f"{path}: {spec.slug}: source file {spec.source_file!r} not found "
                "next to the manifest"
            )
        spec.extract(source.read_text(encoding="utf-8"))
    return specs


def _spec(path: pathlib.Path, i: int, entry: object) -> PublicationSpec:
    where = f"{path}: publication #{i + 1}"
    if not isinstance(entry, dict):
        raise ValueError(f"{where} is not a table")
    unknown = sorted(set(entry) - KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown keys {unknown}")
    missing = [k for k in REQUIRED if not isinstance(entry.get(k), str) or not entry[k].strip()]
    if missing:
        raise ValueError(f"{where}: missing or empty {missing}")
    where = f"{path}: {entry['slug']}"
    if not SLUG.match(entry["slug"]):
        raise ValueError(f"{where}: slug must be lowercase letters, digits and single hyphens")
    if entry["doc_type"] not in DOC_TYPES:
        raise ValueError(f"{where}: doc_type {entry['doc_type']!r} is not one of {list(DOC_TYPES)}")
    source = entry["source_file"]
    if "/" in source or "\\" in source or source.startswith("."):
        raise ValueError(f"{where}: source_file must be a file name inside seeds/")
    published_on, precision = partial_date(
        where, entry.get("published_on"), entry.get("date_precision")
    )
    for key in ("url", "start", "end"):
        if key in entry and not isinstance(entry[key], str):
            raise ValueError(f"{where}: {key} must be a string")
    if "url" in entry and not entry["url"].startswith(("https://", "http://")):
        raise ValueError(f"{where}: url must start with http:// or https://")
    prose = entry.get("prose", prose_default(entry["doc_type"]))
    if not isinstance(prose, bool):
        raise ValueError(f"{where}: prose must be true or false")
    return PublicationSpec(
        slug=entry["slug"],
        title=entry["title"].strip(),
        publisher=entry["publisher"].strip(),
        doc_type=entry["doc_type"],
        published_on=published_on,
        date_precision=precision,
        url=entry.get("url"),
        source_file=source,
        start=entry.get("start"),
        end=entry.get("end"),
        prose=prose,
        corrections=_corrections(where, entry.get("corrections", [])),
    )


def partial_date(
    where: str, value: object, precision: object
) -> tuple[datetime.date | None, str | None]:
    """published_on as a TOML date (day) or a string 'YYYY' / 'YYYY-MM' / 'YYYY-MM-DD'."""
    if value is None:
        if precision is not None:
            raise ValueError(f"{where}: date_precision given without published_on")
        return None, None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date | str):
        raise ValueError(
            f"{where}: published_on must be a date or 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'"
        )
    if isinstance(value, datetime.date):
        date, implied = value, "day"
    else:
        m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", value)
        if not m or (m.group(3) and not m.group(2)):
            raise ValueError(
                f"{where}: published_on {value!r} is not 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'"
            )
        try:
            date = datetime.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
        except ValueError as exc:
            raise ValueError(f"{where}: published_on {value!r}: {exc}") from exc
        implied = "day" if m.group(3) else "month" if m.group(2) else "year"
    if precision is None:
        precision = implied
    if precision not in PRECISIONS:
        raise ValueError(f"{where}: date_precision {precision!r} is not one of {list(PRECISIONS)}")
    if PRECISIONS.index(precision) < PRECISIONS.index(implied):
        raise ValueError(
            f"{where}: date_precision {precision!r} is finer than published_on {value!r}"
        )
    return date, precision


def _corrections(where: str, raw: object) -> tuple[Correction, ...]:
    if not isinstance(raw, list):
        raise ValueError(f"{where}: corrections must be an array of tables")
    out = []
    for n, item in enumerate(raw, 1):
        if not isinstance(item, dict) or set(item) != {"before", "insert_heading"}:
            raise ValueError(
                f"{where}: correction #{n} needs exactly 'before' and 'insert_heading'"
            )
        if not all(isinstance(v, str) and v.strip() for v in item.values()):
            raise ValueError(
                f"{where}: correction #{n}: 'before' and 'insert_heading' must be non-empty strings"
            )
        out.append(Correction(before=item["before"], insert_heading=item["insert_heading"]))
    return tuple(out)
