"""Actor registry (seeds/actors.toml): names, aliases, and splitting addressee headings."""

import pathlib
import re
import tomllib
import unicodedata
from dataclasses import dataclass

KINDS = frozenset(
    "government international_organization un_entity state armed_group civil_society group "
    "other".split()
)
APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
MODAL_SUBJECT = re.compile(
    r"^(?P<subject>.+?),?\s+(?:should|must|ought to|needs? to|are urged to|is urged to)\b",
    re.IGNORECASE,
)
LEADING_WORDS = re.compile(
    r"^(?:(?:the|and|or|both|all|also|in particular|particularly|notably|especially|including|"
    r"such as|together with|as well as)\s+)+",
    re.IGNORECASE,
)
INTRO_PHRASE = re.compile(
    r"^(?:in|at|during|for|over|before|after|as|given|with|by|following|until|from)\b",
    re.IGNORECASE,
)
SEPARATORS = re.compile(r",|;|\s+and\s+|\s+as well as\s+|\s+&\s+|\s+and/or\s+", re.IGNORECASE)
TOKEN = re.compile(r"\x00(\d+)\x00")
MAX_HEADING = 2000


def normalize_name(s: str) -> str:
    """Matching key for names and aliases: ignores case, apostrophe style, dots, a leading 'the'."""
    s = unicodedata.normalize("NFKC", s).translate(APOSTROPHES).casefold()
    s = s.replace(".", "")
    s = re.sub(r"\s+", " ", s).strip(" ,;:()\"'")
    return re.sub(r"^the\s+", "", s)


@dataclass(frozen=True)
class ActorSpec:
    """One actor: canonical name, kind, parent's name and aliases."""

    name: str
    kind: str
    parent: str | None
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Mention:
    """An actor named in a text: span, the text as printed and the actor."""

    start: int
    end: int
    text: str
    actor: ActorSpec

    @property
    def plural(self) -> bool:
        """True for a plural-looking phrase ('Mali's partners'), used to resolve 'they' vs 'it'."""
        last = self.text.split()[-1].strip(".,;:'’")
        return last.islower() and last.endswith("s") and not last.endswith(("ss", "us"))


class Registry:
    """The actor registry: exact lookup by name or alias, mention scanning and heading splitting."""

    def __init__(self, actors: list[ActorSpec]):
        self.actors = _ordered(actors)
        self._by_key: dict[str, ActorSpec] = {}
        for actor in self.actors:
            for label in (actor.name, *actor.aliases):
                key = normalize_name(label)
                other = self._by_key.get(key)
                if other is not None and other is not actor:
                    raise ValueError(
                        f"alias {label!r} names both {other.name!r} and {actor.name!r}"
                    )
                self._by_key[key] = actor
        self._pattern = _mention_pattern(self._by_key)

    @classmethod
    def load(cls, path: pathlib.Path) -> "Registry":
        """Read seeds/actors.toml; raise ValueError on a bad file."""
        try:
            data = tomllib.loads(pathlib.Path(path).read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: not valid TOML: {exc}") from exc
        entries = data.get("actor")
        if not isinstance(entries, list):
            raise ValueError(f"{path}: expected [[actor]] tables")
        return cls([_actor_from_toml(path, i, entry) for i, entry in enumerate(entries)])

    def resolve(self, name: str) -> ActorSpec | None:
        """The actor whose name or alias matches name (case- and apostrophe-insensitive)."""
        return self._by_key.get(normalize_name(name))

    def mentions(self, text: str) -> list[Mention]:
        """Non-overlapping actor mentions in text, longest alias first at each position."""
        if self._pattern is None:
            return []
        found = []
        for m in self._pattern.finditer(text[:MAX_HEADING].translate(APOSTROPHES)):
            actor = self.resolve(m.group(0))
            if actor is not None:
                found.append(Mention(m.start(), m.end(), text[m.start() : m.end()], actor))
        return found

    def split(self, heading: str) -> list[str]:
        """Canonical actor names in an addressee heading; unknown parts kept as cleaned names."""
        subject = _subject(heading[:MAX_HEADING])
        found = self.mentions(subject)
        names = [m.actor.name for m in found]
        printed = [m.text for m in found]
        masked = subject
        for i in reversed(range(len(found))):
            m = found[i]
            masked = masked[: m.start] + f"\x00{i}\x00" + masked[m.end :]
        result: list[str] = []
        for fragment, inner in _fragments(masked):
            if inner is not None:
                parts = [p for p, _ in _fragments(inner)]
                if len(parts) >= 2:
                    result.extend(self._part(p, names, printed) for p in parts)
                    continue
                head = self._part(fragment, names, printed)
                result.append(head if head else self._part(inner, names, printed))
                continue
            result.append(self._part(fragment, names, printed))
        seen: set[str] = set()
        return [n for n in result if n and not (n in seen or seen.add(n))]

    def _part(self, fragment: str, names: list[str], printed: list[str]) -> str:
        """One fragment of a split heading: the actor it names, or the fragment cleaned up."""
        text = LEADING_WORDS.sub("", fragment.strip(" .:;,")).strip(" .:;,")
        tokens = TOKEN.findall(text)
        rest = TOKEN.sub(" ", text).split()
        if len(tokens) == 1 and len(rest) <= 1:
            return names[int(tokens[0])]
        restored = TOKEN.sub(lambda m: printed[int(m.group(1))], text)
        actor = self.resolve(restored)
        if actor is not None:
            return actor.name
        restored = re.sub(r"\s+", " ", restored).strip()
        return restored[:1].upper() + restored[1:] if restored else ""


def _subject(heading: str) -> str:
    """The addressee part of 'To X:' or 'X should ...:' headings."""
    text = re.sub(r"\s+", " ", heading.replace("*", "")).strip().rstrip(":").strip()
    text = re.sub(r"^to\s+", "", text, flags=re.IGNORECASE)
    m = MODAL_SUBJECT.match(text)
    if m:
        text = m.group("subject").rstrip(" ,")
    parts = text.split(",", 1)
    if len(parts) == 2 and INTRO_PHRASE.match(parts[0]):
        text = parts[1].strip()
    return text


def _fragments(text: str) -> list[tuple[str, str | None]]:
    """Split at separators outside parentheses; each fragment with its parenthesis content."""
    protected: list[str] = []

    def protect(m: re.Match[str]) -> str:
        protected.append(m.group(0)[1:-1])
        return f"\x02{len(protected) - 1}\x02"

    flat = re.sub(r"\([^()]*\)", protect, text)
    out: list[tuple[str, str | None]] = []
    for piece in SEPARATORS.split(flat):
        inner = None
        m = re.search(r"\x02(\d+)\x02", piece)
        if m:
            inner = protected[int(m.group(1))]
            piece = piece[: m.start()] + piece[m.end() :]
        piece = re.sub(r"\x02\d+\x02", "", piece)
        if piece.strip() or inner:
            out.append((piece, inner))
    return out


def _mention_pattern(by_key: dict[str, ActorSpec]) -> re.Pattern[str] | None:
    """One regex matching every alias, longest first, not inside a longer word or a compound."""
    labels = {label for a in set(by_key.values()) for label in (a.name, *a.aliases)}
    variants: set[str] = set()
    for label in labels:
        label = label.translate(APOSTROPHES)
        variants.add(re.escape(label))
        if label.lower().startswith("the "):
            variants.add(re.escape(label[4:]))
    if not variants:
        return None
    body = "|".join(sorted(variants, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)


def _actor_from_toml(path: pathlib.Path, i: int, entry: object) -> ActorSpec:
    if not isinstance(entry, dict):
        raise ValueError(f"{path}: actor #{i + 1} is not a table")
    unknown = set(entry) - {"name", "kind", "parent", "aliases"}
    if unknown:
        raise ValueError(f"{path}: actor #{i + 1} has unknown keys {sorted(unknown)}")
    name, kind = entry.get("name"), entry.get("kind")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{path}: actor #{i + 1} needs a name")
    if kind not in KINDS:
        raise ValueError(
            f"{path}: actor {name!r} has kind {kind!r}; expected one of {sorted(KINDS)}"
        )
    parent = entry.get("parent")
    if parent is not None and not isinstance(parent, str):
        raise ValueError(f"{path}: actor {name!r}: parent must be a string")
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise ValueError(f"{path}: actor {name!r}: aliases must be a list of non-empty strings")
    return ActorSpec(name=name.strip(), kind=kind, parent=parent, aliases=tuple(aliases))


def _ordered(actors: list[ActorSpec]) -> list[ActorSpec]:
    """Actors with parents before children; ValueError on unknown parents, cycles or duplicates."""
    by_name: dict[str, ActorSpec] = {}
    for actor in actors:
        if actor.name in by_name:
            raise ValueError(f"actor {actor.name!r} is listed twice")
        by_name[actor.name] = actor
    ordered: list[ActorSpec] = []
    placed: set[str] = set()
    for actor in actors:
        chain: list[ActorSpec] = []
        node: ActorSpec | None = actor
        while node is not None and node.name not in placed:
            if node in chain:
                raise ValueError(f"actor {node.name!r} is its own ancestor")
            chain.append(node)
            if node.parent is None:
                node = None
            elif node.parent not in by_name:
                raise ValueError(f"actor {node.name!r} has unknown parent {node.parent!r}")
            else:
                node = by_name[node.parent]
        for item in reversed(chain):
            ordered.append(item)
            placed.add(item.name)
    return ordered
