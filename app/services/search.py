"""Full-text search: one small query language, rendered for SQLite FTS5 and PostgreSQL tsquery.

The query language (what `q=` accepts): words are ANDed; "a quoted phrase" matches the phrase;
`OR` between two terms matches either; `-word` or `-"a phrase"` excludes; `word*` matches a
prefix. Words are stemmed (English), and a bare word also matches
longer words from the same stem when that stem is long (seven letters or more), so
`reconcile` finds `reconciliation` but `elections` does not find `electricity`.
"""

import re
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from sqlalchemy import ColumnElement, Select, bindparam, column, func, literal_column, table, text
from sqlalchemy.orm import Session

from app.errors import invalid
from app.models import Recommendation

MAX_QUERY_LENGTH = 500
MAX_TERMS = 32
# A bare word whose stem has this many letters also matches longer words from that stem.
STEM_PREFIX_MIN_LENGTH = 7
MARK_START, MARK_END = "<mark>", "</mark>"

_stemmer = snowballstemmer.stemmer("english")
_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')
_WORD = re.compile(r"\w+")

# SQLite: an external-content FTS5 table kept in sync by triggers (see migrations), with the
# tokenizer migration 0002 gave it, and its vocabulary (0006).
fts = table("recommendations_fts", column("rowid"), column("recommendations_fts"))
FTS5_TOKENIZER = "porter unicode61 remove_diacritics 2"
# A prefix matching more indexed terms than this stays a prefix query.
MAX_EXPANSION = 16


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    phrase: bool = False
    prefix: bool = False
    negated: bool = False


# A query is clauses ANDed together; each clause is terms ORed together.
Query = tuple[tuple[Term, ...], ...]


def _term(raw: str, negated: bool, quoted: bool) -> Term | None:
    prefix = not quoted and raw.endswith("*")
    words = tuple(w.lower() for w in _WORD.findall(raw))
    if not words:
        return None
    if not quoted and not prefix and len(words) == 1:
        # Stem-prefix: English stemmers keep 'reconcil' (reconcile) and 'reconcili'
        # (reconciliation) apart; a prefix on a long stem joins them, while a short stem
        # ('elect' from 'elections') stays exact so it does not reach 'electricity'.
        prefix = len(_stemmer.stemWord(words[0])) >= STEM_PREFIX_MIN_LENGTH
    return Term(words=words, phrase=quoted or len(words) > 1, prefix=prefix, negated=negated)


def parse(q: str) -> Query:
    """Parse a user query; a 422 names what is wrong with it."""
    if len(q) > MAX_QUERY_LENGTH:
        raise invalid("q", f"at most {MAX_QUERY_LENGTH} characters")
    if q.count('"') % 2:
        raise invalid("q", 'unbalanced quote: close every " you open')
    clauses: list[list[Term]] = []
    pending_or = False
    for m in _TOKEN.finditer(q):
        neg_quoted, quoted, bare = m.groups()
        if bare == "OR":
            if not clauses or pending_or:
                raise invalid("q", "OR needs a term on each side")
            pending_or = True
            continue
        if quoted is not None:
            term = _term(quoted, negated=bool(neg_quoted), quoted=True)
        else:
            negated = bare.startswith("-") and len(bare) > 1
            term = _term(bare[1:] if negated else bare, negated=negated, quoted=False)
        if term is None:
            continue
        if pending_or:
            if term.negated or any(t.negated for t in clauses[-1]):
                raise invalid("q", "a negated term cannot be part of an OR")
            clauses[-1].append(term)
            pending_or = False
        else:
            clauses.append([term])
    if pending_or:
        raise invalid("q", "OR needs a term on each side")
    if sum(len(c) for c in clauses) > MAX_TERMS:
        raise invalid("q", f"at most {MAX_TERMS} terms")
    if not any(not c[0].negated for c in clauses):
        raise invalid("q", "give at least one word to search for (not only excluded ones)")
    return tuple(tuple(c) for c in clauses)


Expand = Callable[[str], tuple[str, ...] | None]


def _fts5_term(term: Term, expand: Expand | None = None) -> str:
    # Words are \w+ only, so quoting them cannot break out of the FTS5 string syntax.
    if term.prefix and len(term.words) == 1 and expand is not None:
        terms = expand(term.words[0])
        if terms:
            spelled = " OR ".join(f'"{t}"' for t in terms)
            return f"({spelled})" if len(terms) > 1 else spelled
    return f'"{" ".join(term.words)}"' + ("*" if term.prefix else "")


def to_fts5(query: Query, expand: Expand | None = None) -> str:
    """The FTS5 MATCH expression for a parsed query; `expand` may spell out prefixes."""
    positive = [c for c in query if not c[0].negated]
    negative = [c[0] for c in query if c[0].negated]
    parts = [
        "(" + " OR ".join(_fts5_term(t, expand) for t in clause) + ")"
        if len(clause) > 1
        else _fts5_term(clause[0], expand)
        for clause in positive
    ]
    expression = " AND ".join(parts)
    for term in negative:
        expression = f"({expression}) NOT {_fts5_term(term, expand)}"
    return expression


_tokenizer_lock = threading.Lock()


@lru_cache(maxsize=1)
def _tokenizer() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{FTS5_TOKENIZER}')")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, row)")
    return db


@lru_cache(maxsize=4096)
def fts5_tokens(word: str) -> tuple[str, ...]:
    """The terms FTS5 indexes a text as, asked of SQLite's own tokenizer (a private database)."""
    with _tokenizer_lock:
        db = _tokenizer()
        db.execute("INSERT INTO t (rowid, x) VALUES (1, ?)", (word,))
        terms = tuple(row[0] for row in db.execute("SELECT term FROM v"))
        db.execute("DELETE FROM t")
    return terms


# prefix -> (the index's structure record when read, the terms it matched)
_expansions: dict[str, tuple[bytes, tuple[str, ...] | None]] = {}
_VOCABULARY = text(
    "SELECT term FROM recommendations_fts_vocab WHERE term >= :low AND term < :high LIMIT :n"
)


def _expander(session: Session) -> Expand:
    """Spell a prefix out as the indexed terms it matches, when they are few and each can be
    queried exactly (a term the stemmer would change again cannot).

    FTS5 answers a prefix query by merging the doclists of every matching term in full, on
    every query, even one limited to a rowid range: 6 ms per statement for a prefix matching
    200k rows, against 0.1 ms for the same terms spelled out. A search page runs three such
    statements (count, page, snippets). The terms are read from the vocabulary (as costly as
    one prefix query) and kept while the index's structure record, which every write to the
    index changes, stays the same.
    """
    stamp = session.scalar(text("SELECT block FROM recommendations_fts_data WHERE id = 10"))

    def expand(word: str) -> tuple[str, ...] | None:
        tokens = fts5_tokens(word)
        if len(tokens) != 1:
            return None
        prefix = tokens[0]
        cached = _expansions.get(prefix)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        args = {"low": prefix, "high": prefix + "\U0010ffff", "n": MAX_EXPANSION + 1}
        terms = tuple(session.scalars(_VOCABULARY, args))
        exact = len(terms) <= MAX_EXPANSION and all(fts5_tokens(t) == (t,) for t in terms)
        if len(_expansions) >= 1024:
            _expansions.clear()
        _expansions[prefix] = (stamp, terms if exact else None)
        return terms if exact else None

    return expand


def fts5_match(session: Session, query: Query) -> str:
    """The FTS5 MATCH expression to run now, prefixes spelled out where that is exact."""
    return to_fts5(query, _expander(session))


def _ts_term(term: Term) -> str:
    words = [f"'{w}'" for w in term.words]
    if term.prefix:
        words[-1] += ":*"
    body = " <-> ".join(words)
    return f"!({body})" if term.negated else f"({body})"


def to_tsquery(query: Query) -> str:
    """The to_tsquery('english', ...) text for a parsed query."""
    return " & ".join("(" + " | ".join(_ts_term(t) for t in clause) + ")" for clause in query)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _ts_query(query: Query) -> ColumnElement:
    return func.to_tsquery(literal_column("'english'"), to_tsquery(query))


_search_vector = literal_column("recommendations.search_vector")


def apply(session: Session, stmt: Select, query: Query) -> Select:
    """Restrict a SELECT over recommendations to full-text matches."""
    if _dialect(session) == "postgresql":
        return stmt.where(_search_vector.op("@@")(_ts_query(query)))
    return stmt.join(fts, fts.c.rowid == Recommendation.id).where(
        fts.c.recommendations_fts.op("MATCH")(fts5_match(session, query))
    )


def rank(session: Session, query: Query) -> ColumnElement:
    """A relevance expression, ascending = best first, valid on a SELECT that apply() built."""
    if _dialect(session) == "postgresql":
        return -func.ts_rank_cd(_search_vector, _ts_query(query))
    return func.bm25(text("recommendations_fts"))


# Page ids further apart than this are read in separate ranges of the full-text index.
SNIPPET_GAP = 5000
_SNIPPET_SQL = text(
    "SELECT rowid, CASE WHEN rowid IN :ids THEN"
    " snippet(recommendations_fts, -1, :start, :end, '…', 24) END"
    " FROM recommendations_fts WHERE recommendations_fts MATCH :q"
    " AND rowid BETWEEN :low AND :high"
).bindparams(bindparam("ids", expanding=True))


def _sqlite_snippets(session: Session, query: Query, ids: list[int]) -> dict[int, str]:
    """Snippets straight from the full-text table, one rowid range per cluster of page ids.

    Joined with recommendations, SQLite made a snippet of every match and kept the page's
    (15 ms at 200k matches); with `rowid IN (...)` FTS5 runs the query once per id (a prefix
    query costs 6 ms each time). One range read per cluster, with snippet() only for the
    page's rows, costs one query evaluation.
    """
    ordered = sorted(ids)
    clusters, start = [], 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or ordered[i] - ordered[i - 1] > SNIPPET_GAP:
            clusters.append(ordered[start:i])
            start = i
    found: dict[int, str] = {}
    match = fts5_match(session, query)
    for cluster in clusters:
        rows = session.execute(
            _SNIPPET_SQL,
            {
                "ids": cluster,
                "start": MARK_START,
                "end": MARK_END,
                "q": match,
                "low": cluster[0],
                "high": cluster[-1],
            },
        )
        found.update((rec_id, snip) for rec_id, snip in rows if snip is not None)
    return found


def snippets(session: Session, query: Query, ids: list[int]) -> dict[int, str]:
    """A short highlighted extract of each given recommendation, by id."""
    if not ids:
        return {}
    if _dialect(session) == "postgresql":
        options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12"
        headline = func.ts_headline(
            literal_column("'english'"), Recommendation.text, _ts_query(query), options
        )
        rows = session.execute(
            Recommendation.__table__.select()
            .with_only_columns(Recommendation.id, headline)
            .where(Recommendation.id.in_(ids))
        )
    else:
        return _sqlite_snippets(session, query, ids)
    return dict(rows.all())
