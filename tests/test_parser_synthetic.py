"""New briefings of the same genre in layouts the seeds do not use, and the stability of item keys."""

# ruff: noqa: E501  (source sentences are kept whole)

import pathlib

from app.ingest.actors import Registry
from app.ingest.parser import normalize, parse

REGISTRY = Registry.load(pathlib.Path(__file__).resolve().parent.parent / "seeds" / "actors.toml")

MARKDOWN_BRIEFING = """\
# Niger: Averting a Food Crisis

## Executive Summary

Cereal prices have doubled since the harvest failed in the west. Without action before the lean
season, a million people will need food aid by July.

## Recommendations

### To strengthen food security

**To the Government of Niger:**

1. Publish a national food-security plan by June, including:
   a) district-level stock targets;
   b) a budget line for the cereal banks.
2. Restore the early-warning committees in Tillabéri and
   Tahoua, which stopped meeting in 2022.

**To the European Union and the World Food Programme:**

- Release the pledged emergency funds without conditions.
- Support the cereal banks in the three most affected regions.

## Conclusion

The window for prevention closes in April.
"""


def test_markdown_briefing_with_lettered_sub_items_and_dash_bullets():
    result = parse(MARKDOWN_BRIEFING, REGISTRY)
    rows = [(i.label, i.text, i.actors, i.addressee_raw) for i in result.items]
    niger = ("Government of Niger",)
    eu_wfp = ("European Union", "World Food Programme")
    assert rows == [
        (
            "1",
            "Publish a national food-security plan by June, including:",
            niger,
            "To the Government of Niger:",
        ),
        ("1.a", "district-level stock targets;", niger, "To the Government of Niger:"),
        ("1.b", "a budget line for the cereal banks.", niger, "To the Government of Niger:"),
        (
            "2",
            "Restore the early-warning committees in Tillabéri and Tahoua, which stopped meeting in 2022.",
            niger,
            "To the Government of Niger:",
        ),
        (
            None,
            "Release the pledged emergency funds without conditions.",
            eu_wfp,
            "To the European Union and the World Food Programme:",
        ),
        (
            None,
            "Support the cereal banks in the three most affected regions.",
            eu_wfp,
            "To the European Union and the World Food Programme:",
        ),
    ]
    assert {i.theme for i in result.items} == {"To strengthen food security"}
    parents = {i.key: i for i in result.items}
    assert [parents[i.parent_key].label if i.parent_key else None for i in result.items] == [
        None,
        "1",
        "1",
        None,
        None,
        None,
    ]
    assert result.warnings == []


PLAIN_BRIEFING = """\
Burkina Faso: Keeping the Transition on Track
Africa Briefing, 12 March 2023

The transitional authorities have promised elections in 2024, but attacks have displaced two million
people and the state has lost control of much of the north and east.

RECOMMENDATIONS

The transitional authorities in Ouagadougou should:

(a) publish a timetable for the elections before the end of the year;

(b) stop recruiting civilian auxiliaries without training or oversight.

Burkina Faso's neighbours should:

share intelligence on the armed groups operating across the border;

reopen the border crossings closed since the coup.

BACKGROUND

The transition began in 2022.
"""


def test_plain_briefing_with_lettered_items_and_blank_line_bullets():
    result = parse(PLAIN_BRIEFING, REGISTRY)
    rows = [(i.label, i.text[:30], i.actors) for i in result.items]
    authorities = ("Transitional authorities in Ouagadougou",)
    neighbours = ("Burkina Faso's neighbours",)
    assert rows == [
        ("a", "publish a timetable for the el", authorities),
        ("b", "stop recruiting civilian auxil", authorities),
        (None, "share intelligence on the arme", neighbours),
        (None, "reopen the border crossings cl", neighbours),
    ]
    assert {i.theme for i in result.items} == {"RECOMMENDATIONS"}


def test_crlf_and_trailing_spaces_are_normalised_and_offsets_point_into_the_text():
    raw = "To the Malian government:  \r\n\r\n  1. Hold the elections on time.   \r\n"
    text = normalize(raw)
    assert text == "To the Malian government:\n\n  1. Hold the elections on time."
    (item,) = parse(text, REGISTRY).items
    assert text[item.source_start : item.source_end] == "Hold the elections on time."
    assert item.actors == ("Malian government",)


def test_keys_are_stable_and_do_not_depend_on_unrelated_items():
    before = parse(MARKDOWN_BRIEFING, REGISTRY)
    again = parse(MARKDOWN_BRIEFING, REGISTRY)
    assert [i.key for i in before.items] == [i.key for i in again.items]
    # Drop the first addressee's list: the other items keep their keys.
    start = MARKDOWN_BRIEFING.index("**To the Government of Niger:**")
    end = MARKDOWN_BRIEFING.index("**To the European Union")
    after = parse(MARKDOWN_BRIEFING[:start] + MARKDOWN_BRIEFING[end:], REGISTRY)
    assert [i.key for i in after.items] == [i.key for i in before.items[-2:]]
    # A small edit to an item's wording keeps its key.
    edited = parse(MARKDOWN_BRIEFING.replace("by June", "by the end of June"), REGISTRY)
    assert [i.key for i in edited.items] == [i.key for i in before.items]
    assert before.items[0].key == "to-strengthen-food-security/to-the-government-of-niger/1"
