"""Recommendation parser: publication text in, recommendation items out. Pure: no I/O, no database.

List items are read from addressee headings ('To the Malian government:'), lead-ins ending in
a colon that prescribe ('ECOWAS leaders should:', 'Council members should consider the
following:') and any list in a recommendations section ('Policy Implications', 'BIC Policy
Recommendations:'). Prose recommendations are extracted only when parse(..., prose=True): the
manifest turns it on for open letters and Q&As (see prose_default).
"""

import re
from dataclasses import dataclass, field

from app.ingest import prose as prose_mod
from app.ingest.actors import Registry
from app.ingest.text import (
    BARE_MARKER,
    CUE,
    MARKER,
    MAX_INPUT_CHARS,
    MAX_INPUT_LINES,
    MD_HEADING,
    ROMAN,
    Block,
    Line,
    ParseError,
    blocks,
    check_input,
    content_lines,
    heading_title,
    join_lines,
    normalize,
    slug,
    strip_markers,
    words,
)

__all__ = [
    "MAX_INPUT_CHARS",
    "MAX_INPUT_LINES",
    "Correction",
    "ParseError",
    "ParseResult",
    "ParsedItem",
    "normalize",
    "parse",
    "prose_default",
]

MAX_DEPTH = 4
MAX_ITEM_WORDS = 250
REC_SECTION = re.compile(
    r"\b(?:recommendations?|policy implications|what (?:should|must) be done)\b", re.I
)
SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]?[A-Z])")


@dataclass(frozen=True)
class Correction:
    """A per-publication fix for the scraped text: insert an addressee heading before a line."""

    before: str  # the start of the line (list marker excluded) the heading goes before
    insert_heading: str  # the heading the source lost, e.g. "To MINUSMA:"


@dataclass(frozen=True)
class ParsedItem:
    """One recommendation as found in the text."""

    key: str
    label: str | None
    parent_key: str | None
    position: int
    kind: str
    text: str
    addressee_raw: str | None
    actors: tuple[str, ...]
    theme: str | None
    source_start: int
    source_end: int


@dataclass(frozen=True)
class ParseResult:
    """Items in document order, and warnings about anything the parser had to guess or skip."""

    items: list[ParsedItem]
    warnings: list[str]


def prose_default(doc_type: str) -> bool:
    """Whether prose extraction is on by default for a document type (open letters and Q&As)."""
    return doc_type in ("open_letter", "qa")


@dataclass
class _Item:
    lines: list[Line]
    marker_text: str  # first line's text with the list marker removed
    label: str | None
    mtype: str  # num | alpha | roman | bullet | plain
    indent: int
    parent: "_Item | None"
    ctx: "_Context"
    ordinal: int


@dataclass
class _Context:
    addressee_raw: str | None
    actors: tuple[str, ...]
    theme: str | None
    mode: str | None = None  # marker | blank | space
    items: list[_Item] = field(default_factory=list)
    stack: list[_Item] = field(default_factory=list)
    counts: dict[int, int] = field(default_factory=dict)  # children so far, by id(parent)


def parse(
    text: str,
    registry: Registry | None = None,
    corrections: list[Correction] | tuple[Correction, ...] | None = None,
    *,
    prose: bool = False,
) -> ParseResult:
    """Parse a publication's text (Document.text) into recommendation items."""
    check_input(text)
    registry = registry or Registry([])
    warnings: list[str] = []
    lines = content_lines(text)
    found = _locate_corrections(lines, list(corrections or ()), warnings)
    parser = _ListParser(registry, blocks(lines, found))
    parser.run()
    items = [_finish(item) for item in parser.items]
    if not items:
        warnings.append("no recommendation list found")
    if prose:
        hits = prose_mod.extract(text, parser.body, registry)
        items.extend(hit.fields() for hit in hits)
        if not hits:
            warnings.append("no prose recommendations found")
    return ParseResult(items=_number(items, warnings), warnings=warnings)


def _locate_corrections(
    lines: list[Line], corrections: list[Correction], warnings: list[str]
) -> list[tuple[int, Correction]]:
    found = []
    for corr in corrections:
        want = " ".join(corr.before.split())
        for i, line in enumerate(lines):
            m = MARKER.match(line.text)
            body = m.group("text") if m else line.text
            if " ".join(body.split()).startswith(want):
                found.append((i, corr))
                break
        else:
            warnings.append(f"correction not applied: no line starts with {corr.before!r}")
    return found


class _ListParser:
    """Walks the blocks once, keeping the heading and list context in force."""

    def __init__(self, registry: Registry, blocks_: list[Block]):
        self.registry = registry
        self.blocks = blocks_
        self.items: list[_Item] = []
        self.body: list[
            tuple[int, int, str | None]
        ] = []  # (start, end, theme) of text outside lists
        self.theme: str | None = None
        self.rec_section = False
        self.body_seen = False
        self.ctx: _Context | None = None

    def run(self) -> None:
        for i, block in enumerate(self.blocks):
            following = self.blocks[i + 1] if i + 1 < len(self.blocks) else None
            if block.correction is not None:
                heading = block.correction.insert_heading
                self.ctx = _Context(heading, tuple(self.registry.split(heading)), self.theme)
            self.step(block, following)

    def step(self, block: Block, following: Block | None) -> None:
        next_is_addressee = following is not None and following.kind == "addressee"
        if block.kind in ("heading", "weak_heading"):
            self.ctx = None
            numbered = (
                ROMAN.match(block.first.strip()) is not None
                or MD_HEADING.match(block.first) is not None
            )
            if self.body_seen or next_is_addressee or numbered:
                self.theme = heading_title(block)
                is_rec = REC_SECTION.search(self.theme) is not None
                self.rec_section = is_rec or (next_is_addressee and self.rec_section)
            return
        if block.kind == "addressee":
            raw = " ".join(block.first.replace("*", "").split())
            self.ctx = _Context(raw, tuple(self.registry.split(raw)), self.theme)
            return
        lead = self.lead_in(block)
        if self.ctx is not None and lead is None and self.take(block):
            return
        self.ctx = None
        start = block.lines[0].start + block.first.find(_marker_text(block.first))
        self.body.append((start, block.lines[-1].end, self.theme))
        if words(block.joined()) >= 8 and re.search(r"[.!?](?:\s|$)", block.joined()):
            self.body_seen = True
        if lead is not None:
            self.ctx = _Context(lead[0], lead[1], self.theme)

    def lead_in(self, block: Block) -> tuple[str, tuple[str, ...]] | None:
        """(addressee_raw, actors) when the block ends in a colon introducing recommendations."""
        if block.kind not in ("text", "weak_heading") or not block.lines[-1].text.rstrip(
            "* "
        ).endswith(":"):
            return None
        sentences = SENTENCE_END.split(
            strip_markers(" ".join(block.joined().replace("*", "").split()))
        )
        last = sentences[-1]
        if CUE.search(last) is None and not self.rec_section:
            return None
        subject_form = re.match(
            r"^(?:to\s+\S.*:|.+?\b(?:should|must|ought to|needs? to)\b.*)$", last, re.I
        )
        if subject_form and not re.match(r"^(?:in particular|it|there|this)\b", last, re.I):
            return last, tuple(self.registry.split(last))
        actors = [m.actor.name for m in self.registry.mentions(last)]
        if not actors and len(sentences) > 1:
            last = sentences[-2] + " " + last
            actors = [m.actor.name for m in self.registry.mentions(last)]
        return last, tuple(dict.fromkeys(actors))

    def take(self, block: Block) -> bool:
        """Add block to the open list if it continues it; False when the list has ended."""
        ctx = self.ctx
        assert ctx is not None
        if block.kind == "marker":
            self.add_marker_items(block)
            return True
        first = block.first
        last_item = ctx.items[-1] if ctx.items else None
        if ctx.mode == "marker":
            if block.gap and last_item is not None and block.lines[0].indent > last_item.indent:
                last_item.lines.extend(block.lines)
                return True
            return False
        if ctx.mode == "space" or (ctx.mode is None and not block.gap and _is_space_bullet(first)):
            if block.gap or not _is_space_bullet(first):
                return False
            ctx.mode = "space"
            self.new_item(block.lines, first.strip(), None, "plain", 1)
            return True
        # Blank-line bullets: each paragraph after the lead-in is an item until the list ends.
        if not block.gap or (first.startswith(" ") and first.strip()[:1].islower()):
            if last_item is None:
                return False
            last_item.lines.extend(block.lines)
            return True
        if words(block.joined()) > MAX_ITEM_WORDS:
            return False
        if last_item is not None:
            first_lower = last_item.ctx.items[0].marker_text[:1].islower()
            if first.strip()[:1].islower() != first_lower:
                return False
            ends = [i.lines[-1].text.rstrip()[-1:] for i in ctx.items[-2:]]
            if ends[-1] == "." and ends[0] in (";", ":") and len(ctx.items) >= 2:
                return False
        ctx.mode = "blank"
        self.new_item(block.lines, first.strip(), None, "plain", 0)
        return True

    def add_marker_items(self, block: Block) -> None:
        ctx = self.ctx
        assert ctx is not None
        ctx.mode = "marker"
        first = block.lines[0]
        m = MARKER.match(first.text)
        bare = BARE_MARKER.match(first.text) if m is None else None
        if bare is not None:
            rest = block.lines[1:] or block.lines
            label = bare.group("num") or bare.group("alpha")
            mtype = "num" if bare.group("num") else "alpha" if bare.group("alpha") else "bullet"
            self.new_item(rest, rest[0].text.strip(), label, mtype, first.indent)
            return
        assert m is not None
        label = m.group("num") or m.group("alpha") or m.group("roman")
        mtype = next(k for k in ("num", "alpha", "roman", "bullet") if m.group(k))
        self.new_item(block.lines, m.group("text").strip(), label, mtype, first.indent)

    def new_item(
        self, lines: list[Line], marker_text: str, label: str | None, mtype: str, indent: int
    ) -> None:
        ctx = self.ctx
        assert ctx is not None
        stack = ctx.stack
        same = [k for k, s in enumerate(stack) if s.indent == indent and s.mtype == mtype]
        if same:
            del stack[same[-1] :]
        else:
            while stack and stack[-1].indent > indent:
                stack.pop()
            if (
                stack
                and stack[-1].indent == indent
                and stack[-1].mtype in ("alpha", "roman")
                and mtype == "num"
            ):
                stack.pop()
        if len(stack) >= MAX_DEPTH:
            del stack[MAX_DEPTH - 1 :]
        parent = stack[-1] if stack else None
        ordinal = ctx.counts[id(parent)] = ctx.counts.get(id(parent), 0) + 1
        item = _Item(lines, marker_text, label, mtype, indent, parent, ctx, ordinal)
        stack.append(item)
        ctx.items.append(item)
        self.items.append(item)


def _is_space_bullet(text: str) -> bool:
    return text.startswith(" ") and not text.startswith("  ") and text[1:2].isupper()


def _marker_text(text: str) -> str:
    m = MARKER.match(text)
    return (m.group("text") if m else text.strip()) or text


def _clean(lines: list[Line], marker_text: str) -> str:
    parts = [marker_text] + [line.text for line in lines[1:]]
    return " ".join(strip_markers(join_lines(parts)).split())


def _full_label(item: _Item) -> str | None:
    if item.label is None:
        return None
    parent = _full_label(item.parent) if item.parent is not None else None
    return f"{parent}.{item.label}" if parent else item.label


def _path(item: _Item) -> str:
    own = item.label if item.label is not None else f"#{item.ordinal}"
    return f"{_path(item.parent)}.{own}" if item.parent is not None else own


def _key(item: _Item) -> str:
    return f"{slug(item.ctx.theme)}/{slug(item.ctx.addressee_raw)}/{_path(item)}"


def _finish(item: _Item) -> dict:
    first, last = item.lines[0], item.lines[-1]
    offset = first.text.find(item.marker_text[:20]) if item.marker_text else 0
    return {
        "key": _key(item),
        "label": _full_label(item),
        "parent_key": _key(item.parent) if item.parent is not None else None,
        "kind": "list",
        "text": _clean(item.lines, item.marker_text),
        "addressee_raw": item.ctx.addressee_raw,
        "actors": item.ctx.actors,
        "theme": item.ctx.theme,
        "source_start": first.start + max(offset, 0),
        "source_end": last.end,
    }


def _number(rows: list[dict], warnings: list[str]) -> list[ParsedItem]:
    """Order by position in the text; make keys unique, warning about repeats."""
    rows.sort(key=lambda r: r["source_start"])
    seen: dict[str, int] = {}
    renamed: dict[str, str] = {}
    out = []
    for position, row in enumerate(rows):
        key = row["key"]
        if key in seen:
            seen[key] += 1
            new = f"{key}~{seen[key]}"
            renamed[key] = new
            where = row["addressee_raw"] or row["theme"] or "the text"
            what = f"label {row['label']}" if row["label"] else "an identical item"
            warnings.append(
                f"{what} repeats under {where!r}: a heading may be missing; key {new!r} used"
            )
            key = new
        else:
            seen[key] = 1
        parent_key = row["parent_key"]
        if parent_key is not None and parent_key in renamed:
            parent_key = renamed[parent_key]
        out.append(
            ParsedItem(**{**row, "key": key, "parent_key": parent_key, "position": position})
        )
    return out
