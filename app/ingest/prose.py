"""Prose recommendations: explicit prescriptions to an identifiable actor, one sentence each.

Precision over recall. A sentence counts when a clause's subject is a registry actor (or 'they'/'it'
resolved to one from earlier in the sentence or the sentence before) followed by should / must /
ought to / need(s) to, or when the author urges an actor to act ('I urge the Security Council ...
to'). Hedged analysis (could, might, would), counterfactuals ('should have started'), passives
('should be viewed'), reported views ('The government believes the mission should'), quotations,
questions, list lead-ins and conditions hanging on a hypothetical ('To achieve this, ...' after a
'would') are not recommendations.
"""

import hashlib
import re
from dataclasses import dataclass

from app.ingest.actors import Mention, Registry
from app.ingest.text import clean

BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]?[A-Z])")
ABBREVIATION = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|No|Gen|Col|Capt|Lt|Maj|Prof|vs|e\.g|i\.e)\.$")
CLAUSE = re.compile(r";\s*|,?\s+but\s+|,\s+while\s+")
MODAL = re.compile(r"\b(?:should|must|ought to|needs? to|has to|have to)\b", re.IGNORECASE)
NOT_PRESCRIPTIVE = re.compile(
    r"^\s+(?:(?:not|also|still|now|urgently|immediately|\w+ly)\s+)*(?:have\b|be\s+(?:\w+ly\s+)?"
    r"(?:\w+(?:ed|en|wn)|held|made|put|set|built|kept|sent|done|seen|given|taken|led|paid|met|brought|"
    r"told|sought|left|heard|found)\b)",
    re.IGNORECASE,
)
REPORTING = re.compile(
    r"\b(?:says?|said|argue[sd]?|argues|believes?|believed|suggest(?:s|ed)?|request(?:s|ed)?|ask(?:s|ed)|"
    r"demand(?:s|ed)?|insist(?:s|ed)?|claim(?:s|ed)?|thinks?|thought|wants?|wanted|expect(?:s|ed)|"
    r"hope[sd]?|fear(?:s|ed)?|according to|calls? for|called for|warn(?:s|ed)|agree[sd]?)\b",
    re.IGNORECASE,
)
URGE = re.compile(
    r"\b(?:I|We|Crisis Group)\s+(?:\w+ly\s+|therefore\s+|also\s+)?"
    r"(?:urge|call on|encourage|recommend that)\s+"
    r"(?P<obj>[^,;]{1,200}?)(?:,|\s+to\b|\s+should\b)"
)
HYPOTHETICAL_FOLLOW_UP = re.compile(
    r"^(?:To (?:achieve|do) (?:this|that|so)|For (?:this|that) to happen|In that case|If so)\b"
)
HEDGE = re.compile(r"\b(?:would|could|might|may)\b", re.IGNORECASE)
SKIP_SEGMENT = re.compile(
    r"^(?:which|who|whose|whom|where|when|with|without|in particular|particularly|notably|"
    r"especially|"
    r"including|such as|chaired|backed|supported|as well as|together with|\w+ing)\b",
    re.IGNORECASE,
)
TRAILING_ADVERBS = re.compile(
    r"(?:\s+(?:also|now|therefore|thus|still|urgently|immediately|then|however|first|finally|too|"
    r"instead|rather|jointly|collectively|in turn))+$",
    re.IGNORECASE,
)
LEADING_FILLER = re.compile(
    r"^(?:(?:and|but|so|then|thus|therefore|finally|also|now|however|instead)\s+)+", re.I
)
PRONOUN = re.compile(r"(?:^|\s)(?P<p>they|it)$", re.IGNORECASE)
APPOSITION = re.compile(
    r"^\s*,?\s*(?:notably|in particular|especially|including|such as|and)\s+(?:the\s+)?$", re.I
)


@dataclass(frozen=True)
class Hit:
    """A prose recommendation: sentence span in the text, clean text, addressee and actors."""

    start: int
    end: int
    text: str
    addressee_raw: str
    actors: tuple[str, ...]
    theme: str | None

    def fields(self) -> dict:
        """The ParsedItem fields (all but position) of this recommendation; key hashes its words."""
        words = " ".join(re.findall(r"\w+", self.text.casefold()))
        return {
            "key": f"prose/{hashlib.sha1(words.encode()).hexdigest()[:12]}",
            "label": None,
            "parent_key": None,
            "kind": "prose",
            "text": self.text,
            "addressee_raw": self.addressee_raw,
            "actors": self.actors,
            "theme": self.theme,
            "source_start": self.start,
            "source_end": self.end,
        }


@dataclass(frozen=True)
class _Subject:
    names: tuple[str, ...]
    printed: str
    plural: bool


def sentences(raw: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in raw."""
    spans = []
    start = 0
    for m in BOUNDARY.finditer(raw):
        if ABBREVIATION.search(raw[max(start, m.start() - 6) : m.start()]):
            continue
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(raw.rstrip())))
    return [(s, e) for s, e in spans if raw[s:e].strip()]


def extract(text: str, spans: list[tuple[int, int, str | None]], registry: Registry) -> list[Hit]:
    """Prose recommendations in the given spans of text (paragraphs outside lists)."""
    paragraphs = []
    for start, end, theme in spans:
        sents = [
            (start + s, start + e, clean(text[start + s : start + e]))
            for s, e in sentences(text[start:end])
        ]
        paragraphs.append((sents, theme))
    keys = [{_key(s[2]) for s in sents} for sents, _ in paragraphs]
    hits: list[Hit] = []
    seen: set[str] = set()
    prev_text, prev_subject = "", None
    for n, (sents, theme) in enumerate(paragraphs):
        if len(sents) == 1 and _pull_quote(_key(sents[0][2]), keys, n):
            continue
        for start, end, sentence in sents:
            found = _analyze(sentence, prev_text, prev_subject, registry)
            prev_text, prev_subject = sentence, found
            if found is None or _key(sentence) in seen:
                continue
            seen.add(_key(sentence))
            hits.append(Hit(start, end, sentence, found.printed, found.names, theme))
    return hits


def _key(sentence: str) -> str:
    return " ".join(re.findall(r"\w+", sentence.casefold()))


def _pull_quote(key: str, keys: list[set[str]], n: int) -> bool:
    """A one-sentence paragraph repeated verbatim next to it is a pull quote, not a second copy."""
    return any(key in keys[j] for j in (n - 1, n + 1) if 0 <= j < len(keys))


def _analyze(
    sentence: str, prev: str, prev_subject: _Subject | None, registry: Registry
) -> _Subject | None:
    """The addressee of sentence when it is a prescription, else None."""
    s = sentence.strip()
    if not s or s.endswith(("?", ":")):
        return None
    if HYPOTHETICAL_FOLLOW_UP.match(s) and HEDGE.search(prev):
        return None
    urge = URGE.search(s)
    if urge:
        subject = _actor_subject(urge.group("obj"), registry)
        if subject is not None:
            return subject
    names: list[str] = []
    printed: list[str] = []
    plural = False
    pos = 0
    for clause in CLAUSE.split(s):
        offset = s.find(clause, pos)
        pos = offset + len(clause)
        subject = _clause_subject(clause, s[:offset], prev, prev_subject, registry)
        if subject is not None:
            names.extend(n for n in subject.names if n not in names)
            printed.append(subject.printed)
            plural = plural or subject.plural
    if not names:
        return None
    return _Subject(tuple(names), "; ".join(dict.fromkeys(printed)), plural)


def _clause_subject(
    clause: str, before: str, prev: str, prev_subject: _Subject | None, registry: Registry
) -> _Subject | None:
    m = MODAL.search(clause)
    if m is None or NOT_PRESCRIPTIVE.match(clause[m.end() :]):
        return None
    head = clause[: m.start()]
    quoted = before + head
    if quoted.count("“") > quoted.count("”") or quoted.count('"') % 2:
        return None
    segments = [seg.strip() for seg in head.split(",")]
    if REPORTING.search(segments[-1]):  # 'The government believes the mission should ...'
        return None
    segment = next((seg for seg in reversed(segments) if seg and not SKIP_SEGMENT.match(seg)), "")
    segment = TRAILING_ADVERBS.sub("", segment).strip()
    pronoun = PRONOUN.search(segment)
    if pronoun:
        cut = head.rfind(pronoun.group("p"))
        return _resolve(pronoun.group("p"), before + head[:cut], prev, prev_subject, registry)
    return _actor_subject(LEADING_FILLER.sub("", segment), registry)


def _actor_subject(segment: str, registry: Registry) -> _Subject | None:
    """The actors a noun phrase names, when the whole phrase is actor names joined by 'and'."""
    segment = segment.strip(" ,")
    if not segment or len(segment.split()) > 12:
        return None
    names = registry.split(segment)
    actors = [registry.resolve(n) for n in names]
    if not names or any(a is None for a in actors):
        return None
    mentions = registry.mentions(segment)
    plural = " and " in segment or any(m.plural for m in mentions)
    return _Subject(tuple(a.name for a in actors if a is not None), segment, plural)


def _resolve(
    pronoun: str, before: str, prev: str, prev_subject: _Subject | None, registry: Registry
) -> _Subject | None:
    """'they'/'it': first actor of matching number earlier in the sentence, else the one before."""
    plural = pronoun.lower() == "they"
    for source in (before, prev):
        found = _first_of_number(registry.mentions(source), source, plural)
        if found:
            names = tuple(dict.fromkeys(m.actor.name for m in found))
            return _Subject(names, f"{pronoun} ({found[0].text})", plural)
    if prev_subject is not None and prev_subject.plural == plural:
        return _Subject(prev_subject.names, f"{pronoun} ({prev_subject.printed})", plural)
    return None


def _first_of_number(mentions: list[Mention], source: str, plural: bool) -> list[Mention]:
    for i, m in enumerate(mentions):
        if m.plural != plural:
            continue
        group = [m]
        for nxt in mentions[i + 1 :]:
            if not APPOSITION.match(source[group[-1].end : nxt.start]):
                break
            group.append(nxt)
        return group
    return []
