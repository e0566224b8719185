"""Prose recommendations: explicit prescriptions only, with 'they'/'it' resolved from context."""

# ruff: noqa: E501  (source sentences are kept whole)

import pathlib

import pytest

from app.ingest.actors import Registry
from app.ingest.parser import parse

REGISTRY = Registry.load(pathlib.Path(__file__).resolve().parent.parent / "seeds" / "actors.toml")


def prose(text: str) -> list[tuple[str, tuple[str, ...]]]:
    return [
        (i.text, i.actors) for i in parse(text, REGISTRY, prose=True).items if i.kind == "prose"
    ]


@pytest.mark.parametrize(
    ("sentence", "actors"),
    [
        ("The Security Council should renew MINUSMA's mandate in June.", ("UN Security Council",)),
        (
            "I urge the African Union, with ECOWAS's support, to convene a summit.",
            ("African Union",),
        ),
        ("To end the crisis, ECOWAS must lift the sanctions without delay.", ("ECOWAS",)),
        ("ECOWAS and the African Union should send a joint mission.", ("ECOWAS", "African Union")),
        (
            "The Malian authorities also should publish the electoral calendar.",
            ("Malian government",),
        ),
    ],
)
def test_explicit_prescriptions_are_recommendations(sentence, actors):
    assert prose(sentence) == [(sentence, actors)]


@pytest.mark.parametrize(
    "sentence",
    [
        "ECOWAS could suspend Mali from its institutions.",  # hedged
        "The Security Council might consider targeted sanctions.",  # hedged
        "The government believes the mission should focus on the north.",  # reported view
        "Protesters demanded that ECOWAS should lift the sanctions.",  # what others asked for
        "Several members said the Security Council must act.",  # reported speech
        "These mixed units should have started 60 days after the signing.",  # counterfactual
        "A sanctions regime, which some Security Council members have proposed, should be viewed with caution.",
        "The Security Council’s renewal of the mandate should reflect the new challenges.",  # subject is not an actor
        "The mission should be strengthened.",  # passive, no actor
        "Should the Security Council act now?",  # question
        "“The Security Council must act now,” a diplomat told us.",  # quotation
        "The Security Council should consider the following:",  # a list lead-in, not a recommendation
    ],
)
def test_hedges_reports_and_non_actors_are_not_recommendations(sentence):
    assert prose(sentence) == []


def test_they_is_resolved_from_the_sentence_before():
    text = "Whatever happens, the mediator will need the support of Mali’s main partners. They should form a contact group."
    assert prose(text) == [
        ("They should form a contact group.", ("International partners of Mali",))
    ]


def test_it_is_resolved_to_a_singular_actor_earlier_in_the_sentence():
    text = (
        "As the Council prepares to renew MINUSMA’s mandate, it should draw the right conclusions."
    )
    assert prose(text) == [(text, ("UN Security Council",))]
    text = "ECOWAS lifted its sanctions last week. It should now monitor the transition closely."
    assert prose(text) == [("It should now monitor the transition closely.", ("ECOWAS",))]


def test_they_takes_an_apposition_along():
    text = "If Mali's other partners, notably ECOWAS, agree, then they should attach conditions to the talks."
    assert prose(text) == [(text, ("International partners of Mali", "ECOWAS"))]


def test_unresolvable_pronoun_is_not_a_recommendation():
    assert prose("The committee has not met since October. It should be convened monthly.") == []
    assert prose("A contact group is needed. It must include France and Algeria.") == []


def test_condition_on_a_hypothetical_option_is_not_a_recommendation():
    text = "The first option would be to strengthen the mandate. To achieve this, the Council must resolve the tension."
    assert prose(text) == []


def test_pull_quote_is_not_counted_twice():
    quote = "International actors should keep up the pressure."
    text = f"How did the world react?\n\n{quote}\n\nThe coup was condemned. {quote} Words alone will not do.\n"
    items = [i for i in parse(text, REGISTRY, prose=True).items if i.kind == "prose"]
    assert [i.text for i in items] == [quote]
    assert text.index(quote, text.index("condemned")) == items[0].source_start


def test_prose_is_off_unless_asked_for():
    assert parse("The Security Council should renew the mandate.", REGISTRY).items == []


def test_prose_item_identity_is_a_hash_of_its_text():
    a = parse("The Security Council should renew the mandate.", REGISTRY, prose=True).items[0]
    b = parse(
        "Intro paragraph here.\n\nThe Security Council should renew the mandate.",
        REGISTRY,
        prose=True,
    ).items[0]
    assert a.key == b.key and a.key.startswith("prose/")
