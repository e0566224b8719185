"""Repeated recommendations: text-similarity links found on import, reviewed by analysts."""

import re
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import NotFound, invalid
from app.models import LinkState, Recommendation, RecommendationLink

# token_set_ratio over stemmed content words, 0-100. On the seed briefings the real repeats
# score 80-93 and the next-best unrelated pair 66, so 75 separates them with room on both sides.
THRESHOLD = 75.0
# token_set_ratio scores a subset as 100: very short texts would "repeat" everything.
MIN_WORDS = 5

_stemmer = snowballstemmer.stemmer("english")
_STOP = frozenset(
    "a an and any are as at be been by can could for from has have he his her in into is it "
    "its more must not of on or over should such than that the their them they this those to "
    "under was which who will with within would".split()
)


@lru_cache(maxsize=65536)
def fingerprint(text: str) -> str:
    """The text as sorted-order-free stemmed content words, for matching."""
    words = [w for w in re.findall(r"\w+", text.lower()) if w not in _STOP]
    return " ".join(_stemmer.stemWords(words))


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def refresh(session: Session, rec_ids: list[int]) -> int:
    """Find repeats of the given recommendations among all others; returns links added.

    A link an analyst has reviewed keeps its state; only its score follows the texts.
    """
    if not rec_ids:
        return 0
    rows = session.execute(select(Recommendation.id, Recommendation.text)).all()
    choices = {rid: fingerprint(text) for rid, text in rows}
    choices = {rid: fp for rid, fp in choices.items() if len(fp.split()) >= MIN_WORDS}
    found: dict[tuple[int, int], float] = {}
    for rid in rec_ids:
        query = choices.get(rid)
        if query is None:
            continue
        for _, score, other in process.extract(
            query, choices, scorer=fuzz.token_set_ratio, score_cutoff=THRESHOLD, limit=None
        ):
            if other != rid:
                found[_pair(rid, other)] = max(score, found.get(_pair(rid, other), 0.0))
    if not found:
        return 0
    existing = {
        (link.low_id, link.high_id): link
        for link in session.scalars(
            select(RecommendationLink).where(
                or_(
                    RecommendationLink.low_id.in_(rec_ids),
                    RecommendationLink.high_id.in_(rec_ids),
                )
            )
        )
    }
    added = 0
    for (low, high), score in found.items():
        link = existing.get((low, high))
        if link is None:
            session.add(RecommendationLink(low_id=low, high_id=high, score=round(score, 1)))
            added += 1
        elif link.score != round(score, 1):
            link.score = round(score, 1)
    session.flush()
    return added


def for_recommendation(
    session: Session, rec_id: int, states: list[LinkState]
) -> list[tuple[RecommendationLink, int]]:
    """Links of one recommendation in either direction, best first, with the other end's id."""
    stmt = select(RecommendationLink).where(
        or_(RecommendationLink.low_id == rec_id, RecommendationLink.high_id == rec_id),
        RecommendationLink.state.in_(states),
    )
    links = session.scalars(stmt).all()
    ranked = sorted(
        links,
        key=lambda link: (link.state != LinkState.confirmed, -(link.score or 0.0), link.id),
    )
    return [(link, link.high_id if link.low_id == rec_id else link.low_id) for link in ranked]


def review(
    session: Session, rec_id: int, other_id: int, *, confirmed: bool, reviewer: str
) -> RecommendationLink:
    """Confirm or reject a link (creating it if the matcher had not found it)."""
    if rec_id == other_id:
        raise invalid("other_id", "a recommendation cannot be linked to itself", location="path")
    found = session.scalars(
        select(Recommendation.id).where(Recommendation.id.in_([rec_id, other_id]))
    ).all()
    if other_id not in found:
        raise NotFound(f"No recommendation with id {other_id}.")
    low, high = _pair(rec_id, other_id)
    link = session.scalar(
        select(RecommendationLink)
        .where(and_(RecommendationLink.low_id == low, RecommendationLink.high_id == high))
        .with_for_update()
    )
    if link is None:
        texts = dict(
            session.execute(
                select(Recommendation.id, Recommendation.text).where(
                    Recommendation.id.in_([low, high])
                )
            ).all()
        )
        score = fuzz.token_set_ratio(fingerprint(texts[low]), fingerprint(texts[high]))
        link = RecommendationLink(low_id=low, high_id=high, score=round(score, 1))
        session.add(link)
    link.state = LinkState.confirmed if confirmed else LinkState.rejected
    link.reviewed_by = reviewer
    link.reviewed_at = utcnow()
    session.flush()
    return link
