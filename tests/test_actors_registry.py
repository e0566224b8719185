"""The actor registry: loading, alias lookup, and splitting addressee headings into actors."""

# ruff: noqa: E501  (source sentences are kept whole)

import pathlib

import pytest

from app.ingest.actors import ActorSpec, Registry, normalize_name

REGISTRY_FILE = pathlib.Path(__file__).resolve().parent.parent / "seeds" / "actors.toml"
REGISTRY = Registry.load(REGISTRY_FILE)


def test_the_six_actor_heading():
    heading = (
        "To MINUSMA, ECOWAS, witnesses to the Ouagadougou Agreement (AU, EU and the Organisation of "
        "Islamic Cooperation) and the French government:"
    )
    assert REGISTRY.split(heading) == [
        "MINUSMA",
        "ECOWAS",
        "African Union",
        "European Union",
        "Organisation of Islamic Cooperation",
        "French government",
    ]


@pytest.mark.parametrize(
    ("heading", "actors"),
    [
        ("To the Malian government:", ["Malian government"]),
        ("To the Malian Authorities:", ["Malian government"]),
        ("To armed groups in the north:", ["Northern armed groups"]),
        (
            "To the Security Council and countries contributing troops:",
            ["UN Security Council", "Troop-contributing countries"],
        ),
        ("To Mali’s partners and donors:", ["International partners of Mali", "Donors"]),
        (
            "To the International Community (ECOWAS, the UN, the EU, France):",
            ["ECOWAS", "United Nations", "European Union", "French government"],
        ),
        (
            "To the African Union, Sahel, West and North African states, the UN special envoy for the Sahel and "
            "special representative of the European Union for the Sahel:",
            [
                "African Union",
                "Sahel, West and North African states",
                "UN Special Envoy for the Sahel",
                "EU Special Representative for the Sahel",
            ],
        ),
        (
            "The president and the prime minister should:",
            ["President of Mali", "Prime Minister of Mali"],
        ),
        ("ECOWAS leaders should:", ["ECOWAS"]),
        (
            "Mali’s foreign partners, in particular the European Union\nand the U.S., should:",
            ["International partners of Mali", "European Union", "United States"],
        ),
        ("Council members should consider the following:", ["UN Security Council"]),
        ("To the EU training mission in Mali (EUTM):", ["EU Training Mission in Mali"]),
        ("**To the Malian government:**", ["Malian government"]),
    ],
)
def test_headings_from_the_seeds(heading, actors):
    assert REGISTRY.split(heading) == actors


def test_unknown_parts_are_kept_as_cleaned_names():
    assert REGISTRY.split("To the Niger Red Cross and ECOWAS:") == ["Niger Red Cross", "ECOWAS"]
    assert REGISTRY.split("To the Government of Burkina Faso:") == ["Government of Burkina Faso"]
    assert REGISTRY.split("To the Sahel Alliance (SA), in particular its donors' committee:") == [
        "Sahel Alliance",
        "Its donors' committee",
    ]
    assert Registry([]).split("To A, B and C:") == ["A", "B", "C"]


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("MALI'S PARTNERS", "International partners of Mali"),
        ("mali’s partners", "International partners of Mali"),
        ("Mali‘s main partners", "International partners of Mali"),
        ("the security council", "UN Security Council"),
        ("U.N.", "United Nations"),
        ("un", "United Nations"),
        ("  The  European   Union ", "European Union"),
        ("minusma", "MINUSMA"),
    ],
)
def test_alias_lookup_is_case_and_apostrophe_insensitive(name, canonical):
    actor = REGISTRY.resolve(name)
    assert actor is not None and actor.name == canonical


def test_unknown_name_resolves_to_none():
    assert REGISTRY.resolve("Niger Red Cross") is None


def test_normalize_name():
    assert normalize_name("The U.N.") == normalize_name("un") == "un"
    assert normalize_name("Mali’s Partners") == normalize_name("mali's partners")


def test_parents_are_listed_before_children():
    names = [a.name for a in REGISTRY.actors]
    for actor in REGISTRY.actors:
        if actor.parent is not None:
            assert names.index(actor.parent) < names.index(actor.name), actor.name
    assert REGISTRY.resolve("MINUSMA").parent == "United Nations"
    assert REGISTRY.resolve("UN Security Council").parent == "United Nations"
    children_first = Registry([ActorSpec("B", "group", "A", ()), ActorSpec("A", "group", None, ())])
    assert [a.name for a in children_first.actors] == ["A", "B"]


def test_every_kind_is_valid_and_aliases_are_unique():
    kinds = {
        "government",
        "international_organization",
        "un_entity",
        "state",
        "armed_group",
        "civil_society",
        "group",
        "other",
    }
    assert {a.kind for a in REGISTRY.actors} <= kinds
    owners: dict[str, set[str]] = {}
    for actor in REGISTRY.actors:
        for label in (actor.name, *actor.aliases):
            owners.setdefault(normalize_name(label), set()).add(actor.name)
    assert all(len(names) == 1 for names in owners.values())


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[actor]]\nname = "A"\nkind = "alien"\n', "kind 'alien'"),
        ('[[actor]]\nname = "A"\nkind = "group"\nparent = "Nobody"\n', "unknown parent 'Nobody'"),
        (
            '[[actor]]\nname = "A"\nkind = "group"\naliases = ["x"]\n[[actor]]\nname = "B"\nkind = "group"\naliases = ["X"]\n',
            "alias 'X' names both 'A' and 'B'",
        ),
        (
            '[[actor]]\nname = "A"\nkind = "group"\n[[actor]]\nname = "A"\nkind = "group"\n',
            "listed twice",
        ),
        (
            '[[actor]]\nname = "A"\nkind = "group"\nparent = "B"\n[[actor]]\nname = "B"\nkind = "group"\nparent = "A"\n',
            "its own ancestor",
        ),
        ('[[actor]]\nname = "A"\nkind = "group"\ncolour = "red"\n', "unknown keys"),
        ("actor = 3\n", "expected [[actor]] tables"),
        ("[[actor\n", "not valid TOML"),
    ],
)
def test_bad_registry_files_are_rejected(tmp_path, toml, message):
    path = tmp_path / "actors.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("[", r"\[")):
        Registry.load(path)
