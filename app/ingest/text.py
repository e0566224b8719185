"""Text for the parser: normalisation, cleaning and layout (lines, gaps, blocks); pure, linear."""

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

# Lines that are page furniture, never content.
PAGE_LINE = re.compile(r"^\s*(?:Page|p\.)\s*\d{1,4}(?:\s+of\s+\d{1,4})?\s*$", re.IGNORECASE)
LONE_NUMBER = re.compile(r"^\s*\d{1,3}\s*$")
SUPERSCRIPT_LINE = re.compile(r"^\s*[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
URL_LINE = re.compile(r"^\s*[<\[(]?https?://\S*\s*$")

# Footnote markers inside running text.
CARET_MARKER = re.compile(r"\^\{[\d\s,]{1,40}\}")
SUPERSCRIPTS = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
GLUED_AFTER_WORD = re.compile(r"(?<=[a-z]{2})\d{1,3}(?=[\s,;:.)]|$)")
GLUED_AFTER_PUNCT = re.compile(r"(?<=[A-Za-z][.,;:’”\"')])\d{1,3}(?=\s|$)")
SPACES = re.compile(r"\s+")

# A line-end hyphen after one of these is part of a compound ("ill-equipped"), so it is kept.
KEEP_HYPHEN = frozenset(
    "ill well self non co ex anti pro post pre multi inter cross semi long short "
    "high low full half all counter de re sub".split()
)
MAX_FOOTNOTE_LINES = 60
MAX_INPUT_CHARS = 5_000_000
MAX_INPUT_LINES = 200_000


class ParseError(ValueError):
    """The input cannot be parsed at all: empty, too large or binary."""


def normalize(raw: str) -> str:
    """Document.text of a source: NFC, LF newlines, no BOM, trailing spaces or outer blank lines."""
    text = unicodedata.normalize("NFC", raw.removeprefix("\ufeff"))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def furniture_lines(lines: list[str]) -> set[int]:
    """Indexes of page furniture: 'Page N' lines and footnote blocks between body lines.

    The scraped PDFs put a page's footnotes between two halves of a sentence; the body resumes
    on a line that starts with a space. A footnote block starts at a lone number (or just after
    a body line ending in a glued footnote number) and runs to that resumed line.
    """
    drop: set[int] = set()
    n = len(lines)
    i = 0
    while i < n:
        line = lines[i]
        if PAGE_LINE.match(line) or SUPERSCRIPT_LINE.match(line) or URL_LINE.match(line):
            drop.add(i)
            i += 1
            continue
        starts_block = LONE_NUMBER.match(line) is not None
        if not starts_block and not line.strip() and i > 0 and _ends_with_marker(lines[i - 1]):
            starts_block = True
        if starts_block:
            end = _footnote_block_end(lines, i)
            if end is not None:
                drop.update(range(i, end))
                i = end
                continue
            if LONE_NUMBER.match(line):
                drop.add(i)
        i += 1
    return drop


def _ends_with_marker(line: str) -> bool:
    return re.search(r"[a-z.,;:’”)]\d{1,3}$", line) is not None


def _footnote_block_end(lines: list[str], start: int) -> int | None:
    """Index of the line where the body resumes after a footnote block at start, or None."""
    seen_text = False
    for j in range(start + 1, min(len(lines), start + MAX_FOOTNOTE_LINES)):
        line = lines[j]
        if PAGE_LINE.match(line):
            return j + 1
        if line.startswith(" ") and line.strip() and seen_text:
            return j
        if line.strip() and not LONE_NUMBER.match(line):
            seen_text = True
    return None


def strip_markers(text: str) -> str:
    """Remove footnote markers: ^{1 2}, superscripts, numbers glued to words ('government.12')."""
    text = CARET_MARKER.sub("", text)
    text = SUPERSCRIPTS.sub("", text)
    text = GLUED_AFTER_PUNCT.sub("", text)
    return GLUED_AFTER_WORD.sub("", text)


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines into one string, rejoining words split by a line-end hyphen."""
    parts: list[str] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if (
            parts
            and parts[-1].endswith("-")
            and not parts[-1].endswith(" -")
            and line[:1].islower()
        ):
            fragment = re.search(r"([A-Za-z]+)-$", parts[-1][-64:])
            word = fragment.group(1) if fragment else ""
            drop = bool(word) and word.islower() and word not in KEEP_HYPHEN
            parts[-1] = (parts[-1][:-1] if drop else parts[-1]) + line
        else:
            parts.append(line)
    return " ".join(parts)


def clean(raw: str) -> str:
    """Clean text of an item: no furniture or footnotes, lines joined, spaces collapsed."""
    lines = raw.split("\n")
    drop = furniture_lines(lines)
    kept = [line for i, line in enumerate(lines) if i not in drop]
    text = strip_markers(join_lines(kept))
    return SPACES.sub(" ", text).strip()


# Layout: lines with offsets, paragraph gaps and blocks.
MARKER = re.compile(
    r"^(?P<indent>[ \t]*)(?:(?P<num>\d{1,3})[.)]|\(?(?P<alpha>[a-z])[.)]|\((?P<roman>[ivx]{1,4})\)"
    r"|(?P<bullet>- ?>|[-–•*▪◦●■]))[ \t]+(?P<text>\S.*)$"
)
BARE_MARKER = re.compile(
    r"^[ \t]*(?:(?P<num>\d{1,3})[.)]|\(?(?P<alpha>[a-z])[.)]|(?P<bullet>[-–•*▪◦●■]))[ \t]*$"
)
ROMAN = re.compile(r"^\s*(?P<num>[IVXL]{1,6})\.\s*(?P<title>.*)$")
MD_HEADING = re.compile(r"^\s*#{1,6}\s+(?P<title>\S.*)$")
ADDRESSEE = re.compile(r"^\s*(?:\*+\s*)?To\s+(?P<x>\S.*?)\s*:(?:\s*\*+)?\s*$")
CUE = re.compile(
    r"\b(?:should|must|ought to|needs? to|urge[sd]?|recommend\w*|calls? on|urgent|essential|"
    r"following)\b",
    re.IGNORECASE,
)
MODAL_WORD = re.compile(r"\b(?:should|must|ought|needs?)\b", re.IGNORECASE)
MAX_HEADING_WORDS = 14
MAX_HEADING_CHARS = 600


@dataclass
class Line:
    """A content line: offsets into the text, raw text, and whether a paragraph break precedes."""

    start: int
    end: int
    text: str
    gap: bool

    @property
    def indent(self) -> int:
        return len(self.text) - len(self.text.lstrip(" \t"))


@dataclass
class Block:
    """Lines read as one unit: a heading, an addressee heading, a list item or a paragraph."""

    kind: str  # heading | weak_heading | addressee | marker | text
    lines: list[Line] = field(default_factory=list)
    correction: object | None = None

    @property
    def gap(self) -> bool:
        return self.lines[0].gap

    @property
    def first(self) -> str:
        return self.lines[0].text

    def joined(self) -> str:
        return " ".join(line.text.strip() for line in self.lines)


def words(text: str) -> int:
    return len(text.split())


def is_caps(text: str) -> bool:
    if len(text) > 160 or text.upper() != text or text.lower() == text:
        return False
    return sum(c.isalpha() for c in text) >= 3 and words(text) <= 12


def is_addressee(text: str) -> bool:
    if len(text) > MAX_HEADING_CHARS or not text.rstrip(" *").endswith(":"):
        return False
    m = ADDRESSEE.match(text)
    return m is not None and words(text) <= 40 and ". " not in m.group("x")


def space_bullet(line: Line, previous: Line | None) -> bool:
    """One space and a capital after a finished sentence: a bullet whose glyph was lost."""
    text = line.text
    if not (text.startswith(" ") and not text.startswith("  ") and text[1:2].isupper()):
        return False
    return previous is None or previous.text.rstrip().endswith((".", ":", ";", "!", "?"))


def content_lines(text: str) -> list[Line]:
    """Non-blank, non-furniture lines with offsets and paragraph gaps (double spacing detected)."""
    raw = text.split("\n")
    drop = furniture_lines(raw)
    offsets = []
    pos = 0
    for line in raw:
        offsets.append(pos)
        pos += len(line) + 1
    rows: list[tuple[int, int, bool]] = []  # (index, blanks before, furniture between)
    blanks, furniture, seen = 0, False, False
    for i, line in enumerate(raw):
        if i in drop:
            furniture = True
        elif not line.strip():
            blanks += 1
        else:
            rows.append((i, blanks if seen else 99, furniture))
            blanks, furniture, seen = 0, False, True
    threshold = 2 if _double_spaced(raw, rows) else 1
    return [
        Line(
            offsets[i],
            offsets[i] + len(raw[i].rstrip()),
            raw[i].rstrip(),
            gap=(b >= threshold and not f),
        )
        for i, b, f in rows
    ]


def _double_spaced(raw: list[str], rows: list[tuple[int, int, bool]]) -> bool:
    """True when a blank line follows nearly every wrapped line, as in some PDF-to-text output."""
    singles = lowers = 0
    for i, blanks, furniture in rows[1:]:
        if blanks == 1 and not furniture:
            singles += 1
            lowers += raw[i].lstrip()[:1].islower()
    return len(rows) > 10 and singles >= 0.6 * (len(rows) - 1) and lowers >= 0.25 * max(singles, 1)


def blocks(lines: list[Line], corrections: list[tuple[int, object]]) -> list[Block]:
    """Group lines into blocks; corrections are (line index, correction) pairs that open a block."""
    at = dict(corrections)
    out: list[Block] = []
    for i, line in enumerate(lines):
        prev = lines[i - 1] if i else None
        text = line.text
        starts = (
            prev is None
            or line.gap
            or i in at
            or MARKER.match(text) is not None
            or BARE_MARKER.match(text) is not None
            or space_bullet(line, prev)
            or out[-1].kind in ("heading", "weak_heading", "addressee")
            or (
                out[-1].kind == "marker"
                and BARE_MARKER.match(out[-1].first) is not None
                and len(out[-1].lines) > 1
            )
            or (
                len(out[-1].lines) == 1
                and out[-1].gap
                and heading_like(out[-1].first)
                and text[:1].isupper()
            )
        )
        kind = _line_kind(text)
        if (
            kind == "heading"
            and out
            and out[-1].kind == "heading"
            and _continues_heading(out[-1], line)
        ):
            out[-1].lines.append(line)
            continue
        if kind in ("heading", "addressee"):
            starts = True
        elif (
            out
            and out[-1].kind in ("heading", "addressee")
            and not line.gap
            and _continues_heading(out[-1], line)
        ):
            out[-1].lines.append(line)
            continue
        if starts:
            out.append(Block(kind=kind, lines=[line], correction=at.get(i)))
        else:
            out[-1].lines.append(line)
    for i, block in enumerate(out):
        if block.kind == "text" and _weak_heading(block, out[i + 1] if i + 1 < len(out) else None):
            block.kind = "weak_heading"
    return out


def _line_kind(text: str) -> str:
    if len(text) > MAX_HEADING_CHARS:
        return "marker" if MARKER.match(text) else "text"
    if is_addressee(text):
        return "addressee"
    stripped = text.strip().strip("*").strip()
    roman = ROMAN.match(stripped)
    if roman and (not roman.group("title") or is_caps(roman.group("title"))):
        return "heading"
    if MD_HEADING.match(text) or is_caps(stripped):
        return "heading"
    if MARKER.match(text) or BARE_MARKER.match(text):
        return "marker"
    return "text"


def _continues_heading(block: Block, line: Line) -> bool:
    """Roman-numbered and capitalised headings wrap onto following capitalised lines."""
    head = block.first.strip().strip("*").strip()
    stripped = line.text.strip().strip("*").strip()
    if block.kind != "heading" or MD_HEADING.match(block.first):
        return False
    roman = ROMAN.match(head)
    if roman and not roman.group("title") and len(block.lines) == 1:
        return is_caps(stripped)
    return is_caps(stripped) and not ROMAN.match(stripped) and not line.gap


def heading_like(text: str) -> bool:
    """Short, capitalised, without closing punctuation: may be a heading run into its paragraph."""
    stripped = text.strip().strip("*").strip()
    return (
        0 < words(stripped) <= 8
        and (stripped[:1].isupper() or stripped[:1].isdigit())
        and not stripped.endswith((".", ",", ";", "!", "?", "”", '"'))
        and MARKER.match(text) is None
        and MODAL_WORD.search(stripped) is None
    )


def _weak_heading(block: Block, following: Block | None) -> bool:
    """A short stand-alone line without closing punctuation, like 'Policy Implications'."""
    if len(block.lines) != 1 or not block.gap:
        return False
    text = block.first.strip().strip("*").strip()
    if not text[:1].isupper() and not text[:1].isdigit():
        return False
    n = words(text)
    gap_after = following is None or following.gap or following.kind in ("heading", "addressee")
    if text.endswith(":"):
        return n <= 5 and MODAL_WORD.search(text) is None
    if text.endswith("?"):
        return gap_after and n <= MAX_HEADING_WORDS
    if text.endswith((".", ",", ";", "!", "”", '"')):
        return False
    return n <= (MAX_HEADING_WORDS if gap_after else 8)


def heading_title(block: Block) -> str:
    """A heading's text without roman numbering, markdown marks or a closing colon."""
    text = " ".join(line.text.strip().strip("*#").strip() for line in block.lines)
    roman = ROMAN.match(text)
    if roman and block.kind == "heading":
        text = roman.group("title") or text
    return re.sub(r"\s+", " ", text).strip().rstrip(":").strip()


def check_input(text: str) -> None:
    """Raise ParseError for input that cannot be parsed: not text, too large, binary or empty."""
    if not isinstance(text, str):
        raise ParseError("input must be text (str)")
    if len(text) > MAX_INPUT_CHARS:
        raise ParseError(
            f"input is {len(text):,} characters; the limit is {MAX_INPUT_CHARS:,} (MAX_INPUT_CHARS)"
        )
    if text.count("\n") >= MAX_INPUT_LINES:
        raise ParseError(f"input has more than {MAX_INPUT_LINES:,} lines (MAX_INPUT_LINES)")
    if "\x00" in text:
        raise ParseError("input looks binary: it contains NUL bytes")
    sample = text[:65536]
    odd = sum(
        c == "\ufffd" or (unicodedata.category(c) == "Cc" and c not in "\n\r\t\f") for c in sample
    )
    if sample and odd > 0.05 * len(sample):
        raise ParseError("input looks binary: over 5% of it is control or undecodable characters")
    if not text.strip():
        raise ParseError("input is empty")


def slug(text: str | None) -> str:
    """A short URL-safe form of text for item keys (hash-suffixed when long)."""
    if not text:
        return "-"
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    out = re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-") or "-"
    if len(out) > 48:
        out = out[:40].rstrip("-") + "-" + hashlib.sha1(out.encode()).hexdigest()[:6]
    return out
