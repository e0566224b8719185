"""The benchmark's queries as SQL: Datasette's canned queries and the driver-level floor."""

# Each takes the same parameters as the recotrack request it stands for, and returns the same
# rows: the recommendation, its document and its actors' names, newest first, 50 rows.
_COLUMNS = """
    r.id, r.label, r.text, r.addressee_raw, r.theme, r.status, r.status_as_of, r.version,
    d.id AS document_id, d.slug, d.title, d.publisher, d.published_on,
    (SELECT json_group_array(a.name) FROM recommendation_actors ra
       JOIN actors a ON a.id = ra.actor_id WHERE ra.recommendation_id = r.id) AS actors
"""

LIST = f"""
WITH RECURSIVE tree(id) AS (
    SELECT :actor UNION SELECT a.id FROM actors a JOIN tree ON a.parent_id = tree.id
)
SELECT {_COLUMNS}
FROM recommendations r JOIN documents d ON d.id = r.document_id
WHERE r.status = :status
  AND r.id IN (SELECT recommendation_id FROM recommendation_actors WHERE actor_id IN tree)
ORDER BY d.published_on DESC, r.id LIMIT 50
"""

SEARCH = f"""
SELECT {_COLUMNS}
FROM recommendations r JOIN documents d ON d.id = r.document_id
WHERE r.id IN (SELECT rowid FROM recommendations_fts WHERE recommendations_fts MATCH :q)
ORDER BY d.published_on DESC, r.id LIMIT 50
"""

STATS = """
SELECT a.id, a.name, count(*) AS total,
    sum(r.status = 'unassessed') AS unassessed, sum(r.status = 'not_started') AS not_started,
    sum(r.status = 'in_progress') AS in_progress,
    sum(r.status = 'partially_implemented') AS partially_implemented,
    sum(r.status = 'implemented') AS implemented,
    sum(r.status = 'not_implemented') AS not_implemented,
    sum(r.status = 'superseded') AS superseded
FROM recommendation_actors ra
JOIN recommendations r ON r.id = ra.recommendation_id
JOIN actors a ON a.id = ra.actor_id
GROUP BY a.id ORDER BY total DESC, a.name
"""

BY_ID = f"""
SELECT {_COLUMNS}
FROM recommendations r JOIN documents d ON d.id = r.document_id WHERE r.id = :id
"""

CANNED = {"list": LIST, "search": SEARCH, "stats": STATS, "by_id": BY_ID}


def metadata(database: str) -> dict:
    """Datasette metadata with the canned queries and a generous time limit."""
    return {
        "databases": {database: {"queries": {name: {"sql": sql} for name, sql in CANNED.items()}}}
    }
