"""Deterministic synthetic recommendations in the NDJSON backup format, loaded by `recotrack load`.

    .venv/bin/python bench/generate.py 200000 --out bench/data/synthetic-200k.ndjson

The same size and seed always give the same bytes. About 500 documents (2012-2024) from a
dozen publishers, 150 actors (some under a parent) addressed with a Zipf-like skew, 1-3
addressees per recommendation, one in five a sub-item, 150-600 characters of policy prose,
and every status, with a history of one to three changes for the assessed ones.
"""

import argparse
import json
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

DOCUMENTS = 500
ACTORS = 150
STATUSES = (
    ("unassessed", 40),
    ("not_started", 12),
    ("in_progress", 16),
    ("partially_implemented", 10),
    ("implemented", 10),
    ("not_implemented", 7),
    ("superseded", 5),
)
PUBLISHERS = (
    "International Crisis Group",
    "Amnesty International",
    "Human Rights Watch",
    "Security Council Report",
    "Clingendael",
    "Institute for Security Studies",
    "Chatham House",
    "SIPRI",
    "Carnegie Endowment",
    "United States Institute of Peace",
    "ECFR",
    "Small Arms Survey",
)
DOC_TYPES = ("briefing", "report", "open_letter", "qa", "policy_brief", "other")
THEMES = (
    "Security",
    "Governance",
    "Justice and accountability",
    "Humanitarian access",
    "Elections",
    "Decentralisation",
    "Peace process",
    "Regional cooperation",
    "Economy and livelihoods",
    "Human rights",
    "Disarmament",
    "Border management",
    None,
)
VERBS = (
    "ensure",
    "support",
    "strengthen",
    "establish",
    "fund",
    "monitor",
    "investigate",
    "publish",
    "accelerate",
    "suspend",
    "review",
    "expand",
    "protect",
    "prioritise",
    "negotiate",
    "train",
    "deploy",
    "reform",
    "guarantee",
    "coordinate",
)
OBJECTS = (
    "the ceasefire",
    "the peace agreement",
    "elections",
    "the electoral calendar",
    "humanitarian corridors",
    "the disarmament programme",
    "local mediation committees",
    "judicial institutions",
    "civilian protection",
    "the security forces",
    "the transitional authorities",
    "border posts",
    "the return of displaced people",
    "basic services in the north",
    "investigations into abuses",
    "dialogue with armed groups",
    "the sanctions regime",
    "decentralised budgets",
    "community policing",
    "women's participation",
    "the reconstruction fund",
    "regional intelligence sharing",
    "the national reconciliation commission",
    "demobilisation of militias",
    "food security programmes",
)
TAILS = (
    "within six months",
    "before the next rainy season",
    "in close consultation with local communities",
    "with independent verification",
    "and report publicly on progress",
    "in line with international humanitarian law",
    "across the central and northern regions",
    "without delay",
    "while respecting the rights of detainees",
    "with predictable multi-year funding",
    "so that accountability is not sacrificed to expediency",
    "through an inclusive process",
)
COUNTRIES = (
    "Mali",
    "Niger",
    "Burkina Faso",
    "Chad",
    "Mauritania",
    "Senegal",
    "Algeria",
    "Guinea",
    "Côte d'Ivoire",
    "Nigeria",
    "Ghana",
    "Benin",
)
ROOTS = (
    ("United Nations", "international_organization"),
    ("African Union", "international_organization"),
    ("European Union", "international_organization"),
    ("ECOWAS", "international_organization"),
)
ANALYSTS = ("amina", "jonas", "fatou", "pierre", "li", "sara")
CLOSING = {"implemented", "not_implemented", "superseded"}


def actors(rng: random.Random) -> list[dict]:
    """150 actors: four organisations with sub-entities, governments, groups; parents first."""
    found = [
        {"name": name, "kind": kind, "parent": None, "aliases": [name.split()[0] + " org"]}
        for name, kind in ROOTS
    ]
    units = ("Mission", "Special Envoy", "Panel of Experts", "Commission", "Office", "Fund")
    for root, _ in ROOTS:
        for unit in units[: rng.randint(3, 6)]:
            found.append(
                {"name": f"{root} {unit}", "kind": "un_entity", "parent": root, "aliases": []}
            )
    for country in COUNTRIES:
        found.append(
            {
                "name": f"Government of {country}",
                "kind": "government",
                "parent": None,
                "aliases": [f"{country} government"],
            }
        )
        found.append({"name": country, "kind": "state", "parent": None, "aliases": []})
    n = 0
    kinds = ("armed_group", "civil_society", "group", "other")
    while len(found) < ACTORS:
        n += 1
        kind = kinds[n % len(kinds)]
        found.append(
            {
                "name": f"{kind.replace('_', ' ').title()} {n}",
                "kind": kind,
                "parent": None,
                "aliases": [],
            }
        )
    return found[:ACTORS]


def documents(rng: random.Random) -> list[dict]:
    start = date(2012, 1, 1)
    found = []
    for i in range(DOCUMENTS):
        published = start + timedelta(days=rng.randrange(13 * 365))
        title = f"{rng.choice(COUNTRIES)}: {rng.choice(OBJECTS).capitalize()} ({i + 1})"
        found.append(
            {
                "slug": f"synthetic-{i + 1:04d}",
                "title": title,
                "publisher": rng.choice(PUBLISHERS),
                "doc_type": rng.choice(DOC_TYPES),
                "published_on": None if i % 97 == 0 else published.isoformat(),
                "date_precision": None if i % 97 == 0 else "day",
                "url": f"https://example.org/briefings/{i + 1}",
                "source_file": None,
            }
        )
    return found


def sentence(rng: random.Random) -> str:
    """150-600 characters of policy prose."""
    target = rng.randint(150, 600)
    parts = []
    while sum(len(p) + 1 for p in parts) < target - 40:
        verb = rng.choice(VERBS)
        parts.append(f"{verb.capitalize()} {rng.choice(OBJECTS)} {rng.choice(TAILS)}.")
    text = " ".join(parts)
    if len(text) < 150:
        text += " " + "Report on progress to the Security Council every quarter."
    return text[:600]


def history(rng: random.Random, status: str, published: str | None) -> list[dict]:
    if status == "unassessed":
        return []
    day = date.fromisoformat(published) if published else date(2012, 1, 1)
    steps = ["not_started", "in_progress"][: rng.randint(0, 2)] + [status]
    changes, previous = [], "unassessed"
    for step in dict.fromkeys(steps):
        day = min(day + timedelta(days=rng.randint(30, 400)), date(2025, 12, 31))
        recorded = datetime(day.year, day.month, day.day, 9, tzinfo=UTC) + timedelta(
            days=rng.randint(0, 30), seconds=rng.randrange(86400)
        )
        changes.append(
            {
                "previous_status": previous,
                "status": step,
                "as_of": day.isoformat(),
                "note": "Reported by field partners."
                if step in CLOSING or rng.random() < 0.5
                else None,
                "evidence_url": None,
                "recorded_by": rng.choice(ANALYSTS),
                "recorded_at": recorded.isoformat().replace("+00:00", "Z"),
            }
        )
        previous = step
    return changes


def lines(size: int, seed: int = 6) -> Iterator[str]:
    """The NDJSON lines of a synthetic backup with `size` recommendations."""
    rng = random.Random(seed)
    people = actors(rng)
    for actor in people:
        yield json.dumps({"type": "actor"} | actor, ensure_ascii=False) + "\n"
    docs = documents(rng)
    # Zipf-like: the k-th actor is addressed about 1/k as often as the first.
    weights = [1 / (k + 1) for k in range(len(people))]
    order = list(range(len(people)))
    rng.shuffle(order)
    statuses = [s for s, _ in STATUSES]
    status_weights = [w for _, w in STATUSES]
    per_doc = max(1, size // DOCUMENTS)
    rec_id = 0
    for d, doc in enumerate(docs):
        count = per_doc if d < DOCUMENTS - 1 else size - per_doc * (DOCUMENTS - 1)
        theme, parent, position, label = None, None, 0, 0
        for _ in range(max(0, count)):
            rec_id += 1
            if position % 12 == 0:
                theme = rng.choice(THEMES)
            sub = parent is not None and rng.random() < 0.2
            if not sub:
                parent, label, sub_label = rec_id, label + 1, 0
            else:
                sub_label += 1
            addressees = {
                order[k] for k in rng.choices(range(len(people)), weights, k=rng.randint(1, 3))
            }
            status = rng.choices(statuses, status_weights)[0]
            changes = history(rng, status, doc["published_on"])
            day = date.fromisoformat(doc["published_on"] or "2012-01-01")
            created = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
                seconds=position
            )
            stamp = created.isoformat().replace("+00:00", "Z")
            item = f"{label}.{sub_label}" if sub else str(label)
            record = {
                "type": "recommendation",
                "id": rec_id,
                "source_key": f"{theme or '-'}/{item}/{position}",
                "parent_id": parent if sub else None,
                "parent_source_key": None,
                "label": item,
                "position": position,
                "kind": "list" if rng.random() < 0.85 else "prose",
                "text": sentence(rng),
                "addressee_raw": "To " + ", ".join(people[a]["name"] for a in sorted(addressees)),
                "theme": theme,
                "source_start": None,
                "source_end": None,
                "status": changes[-1]["status"] if changes else "unassessed",
                "status_as_of": changes[-1]["as_of"] if changes else None,
                "version": 1 + len(changes),
                "created_at": stamp,
                "updated_at": changes[-1]["recorded_at"] if changes else stamp,
                "document": doc
                | ({"text": f"Synthetic briefing {d + 1}."} if position == 0 else {}),
                "actors": [people[a] for a in sorted(addressees)],
                "history": changes,
            }
            position += 1
            yield json.dumps(record, ensure_ascii=False) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=int)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        out.writelines(lines(args.size, args.seed))


if __name__ == "__main__":
    main()
