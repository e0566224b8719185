"""GET /api/v1/stats/timeline: the status counts at each period's end, from the history."""

from datetime import UTC, datetime

import pytest

from tests.factories import make_actor, make_document, make_recommendation
from tests.test_stats import counts, record


def timeline(client, **params) -> list[dict]:
    response = client.get("/api/v1/stats/timeline", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["interval"] == params.get("interval", "year")
    return body["periods"]


def by_period(periods: list[dict]) -> dict[str, dict]:
    return {p["period"]: p["counts"] for p in periods}


@pytest.fixture
def history(client):
    """A: changes recorded out of order; B: published in April; C: undated document."""
    un = make_actor(client, name="United Nations")
    january = make_document(client, title="January", published_on="2014-01-10")
    april = make_document(client, title="April", published_on="2014-04-02")
    undated = make_document(client, title="Undated", published_on=None)
    a = make_recommendation(client, january, actor_ids=[un["id"]])
    b = make_recommendation(client, april)
    c = make_recommendation(client, undated, actor_ids=[un["id"]])
    record(client, a["id"], "implemented", "2014-05-31")
    record(client, a["id"], "in_progress", "2014-03-15")
    record(client, a["id"], "not_started", "2014-02-01")  # back-dated, recorded last
    record(client, c["id"], "in_progress", "2014-03-01")
    return {"a": a["id"], "b": b["id"], "c": c["id"]}


def test_monthly_counts_at_each_period_end(client, history):
    periods = timeline(client, interval="month", end="2014-07-15")
    assert [p["period"] for p in periods] == [f"2014-{m:02d}" for m in range(1, 8)]
    assert (periods[0]["start"], periods[0]["end"]) == ("2014-01-01", "2014-01-31")
    assert by_period(periods) == {
        "2014-01": counts(unassessed=2),
        "2014-02": counts(not_started=1, unassessed=1),
        "2014-03": counts(in_progress=2),
        "2014-04": counts(in_progress=2, unassessed=1),  # B appears with its document
        "2014-05": counts(implemented=1, in_progress=1, unassessed=1),  # 31 May is the end
        "2014-06": counts(implemented=1, in_progress=1, unassessed=1),
        "2014-07": counts(implemented=1, in_progress=1, unassessed=1),
    }
    assert periods[4]["total"] == 3 and periods[4]["implemented_share"] == 0.5


@pytest.mark.parametrize("interval", ["month", "quarter", "year"])
def test_each_period_equals_an_as_of_query_on_its_last_day(client, history, interval):
    for period in timeline(client, interval=interval, end="2015-12-31"):
        stats = client.get("/api/v1/stats", params={"as_of": period["end"]}).json()
        assert period["counts"] == stats["counts"], period["period"]
        assert period["total"] == stats["total"]


def test_quarters_and_years_are_labelled(client, history):
    quarters = timeline(client, interval="quarter", end="2014-12-31")
    assert [(p["period"], p["start"], p["end"]) for p in quarters] == [
        ("2014-Q1", "2014-01-01", "2014-03-31"),
        ("2014-Q2", "2014-04-01", "2014-06-30"),
        ("2014-Q3", "2014-07-01", "2014-09-30"),
        ("2014-Q4", "2014-10-01", "2014-12-31"),
    ]
    assert quarters[0]["counts"] == counts(in_progress=2)
    years = timeline(client)  # interval=year, to today
    assert years[0]["period"] == "2014"
    assert years[-1]["period"] == str(datetime.now(UTC).year)
    assert years[-1]["counts"] == counts(implemented=1, in_progress=1, unassessed=1)


def test_same_day_changes_follow_the_order_they_were_recorded_in(client):
    rec = make_recommendation(client, make_document(client, published_on="2018-01-01"))
    record(client, rec["id"], "in_progress", "2018-03-03")
    record(client, rec["id"], "not_started", "2018-03-03")  # a same-day correction
    assert by_period(timeline(client, interval="month", end="2018-03-31")) == {
        "2018-01": counts(unassessed=1),
        "2018-02": counts(unassessed=1),
        "2018-03": counts(not_started=1),
    }


def test_a_change_dated_before_publication_shows_once_published(client):
    rec = make_recommendation(client, make_document(client, published_on="2015-03-01"))
    record(client, rec["id"], "superseded", "2014-06-01")
    assert by_period(timeline(client, end="2016-01-01")) == {
        "2015": counts(superseded=1),  # nothing counts in 2014: it starts with the publication
        "2016": counts(superseded=1),
    }


def test_filters_apply_to_the_timeline(client, history):
    actor = timeline(client, interval="quarter", end="2014-06-30", actor="United Nations")
    assert by_period(actor) == {
        "2014-Q1": counts(in_progress=2),
        "2014-Q2": counts(implemented=1, in_progress=1),
    }
    # as_of ends the timeline on that day and leaves out documents published after it.
    capped = timeline(client, interval="month", as_of="2014-03-20")
    assert [p["period"] for p in capped] == ["2014-01", "2014-02", "2014-03"]
    assert capped[-1]["counts"] == counts(in_progress=2)
    later = timeline(client, interval="month", start="2014-03-05", end="2014-04-01")
    assert by_period(later) == {
        "2014-03": counts(in_progress=2),
        "2014-04": counts(in_progress=2, unassessed=1),
    }


def test_an_empty_database_has_no_periods(client):
    assert timeline(client) == []


def test_too_many_periods_is_a_422_that_suggests_a_longer_interval(client):
    make_recommendation(client, make_document(client, published_on="1960-01-01"))
    response = client.get("/api/v1/stats/timeline", params={"interval": "month"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "interval"]
    assert "600" in response.json()["detail"]
    assert len(timeline(client, interval="year")) == datetime.now(UTC).year - 1960 + 1


@pytest.mark.parametrize(
    "params,field",
    [
        ({"interval": "week"}, "interval"),
        ({"start": "2015-01-01", "end": "2014-01-01"}, "start"),
        ({"by": "actor"}, "by"),
        ({"start": "2015-13-01"}, "start"),
    ],
)
def test_bad_timeline_parameters_are_422(client, params, field):
    response = client.get("/api/v1/stats/timeline", params=params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][1] == field
