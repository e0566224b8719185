"""The traps in scraped briefings: lost headings, footnotes, blank-line bullets, shared files, bad input."""

# ruff: noqa: E501  (source sentences are kept whole)

import pathlib

import pytest

from app.ingest import manifest, parser
from app.ingest.actors import Registry
from app.ingest.parser import Correction, ParseError, parse

SEEDS = pathlib.Path(__file__).resolve().parent.parent / "seeds"
REGISTRY = Registry.load(SEEDS / "actors.toml")


def spec(slug: str) -> manifest.PublicationSpec:
    return {s.slug: s for s in manifest.load(SEEDS / "manifest.toml")}[slug]


def text_of(slug: str) -> str:
    s = spec(slug)
    return s.extract((SEEDS / s.source_file).read_text(encoding="utf-8"))


def test_dropped_heading_is_restored_by_the_manifest_correction():
    text = text_of("mali-reform-or-relapse")
    corrections = spec("mali-reform-or-relapse").corrections
    assert corrections == (
        Correction(before="Fulfil its civilian protection mandate", insert_heading="To MINUSMA:"),
    )

    fixed = parse(text, REGISTRY, corrections)
    minusma = [i for i in fixed.items if i.addressee_raw == "To MINUSMA:"]
    assert [(i.label, i.actors) for i in minusma] == [
        ("1", ("MINUSMA",)),
        ("2", ("MINUSMA",)),
        ("3", ("MINUSMA",)),
    ]
    assert minusma[0].text.startswith("Fulfil its civilian protection mandate")
    assert fixed.warnings == []

    # Without it the three items fall under the previous heading, and the repeated label is reported.
    raw = parse(text, REGISTRY)
    troops = [
        i
        for i in raw.items
        if i.addressee_raw == "To the Security Council and countries contributing troops:"
    ]
    assert [i.label for i in troops] == ["1", "1", "2", "3"]
    assert any("label 1 repeats" in w and "heading may be missing" in w for w in raw.warnings)
    assert len({i.key for i in raw.items}) == len(raw.items)


def test_correction_that_matches_nothing_is_reported():
    result = parse(
        "To the government:\n\n1. Do this.\n", REGISTRY, [Correction("No such line", "To X:")]
    )
    assert "correction not applied: no line starts with 'No such line'" in result.warnings


FOOTNOTED = """\
RECOMMENDATIONS

To the Government of Niger:

  1. Release all political detainees held without charge since the new govern-
12
Crisis Group interview, Niamey, 3 March 2014.
13
Ibid.

Page 7

 ment12 took office, and publish^{3 4} their names within thirty days.
  2. Investigate the killings in Tillabéri³ and bring those responsible to justice.government.14
"""


def test_footnotes_and_page_furniture_inside_an_item_are_removed_and_words_rejoined():
    result = parse(FOOTNOTED, REGISTRY)
    first, second = result.items
    assert first.text == (
        "Release all political detainees held without charge since the new government took office, "
        "and publish their names within thirty days."
    )
    assert (
        second.text
        == "Investigate the killings in Tillabéri and bring those responsible to justice.government."
    )
    # The span is the item as printed, footnote block included, so a client can show it in context.
    raw = FOOTNOTED[first.source_start : first.source_end]
    assert (
        raw.startswith("Release all")
        and "Crisis Group interview" in raw
        and raw.endswith("thirty days.")
    )
    assert first.actors == ("Government of Niger",) and first.label == "1"


def test_page_break_with_hyphen_rejoins_the_word_across_a_footnote_block():
    text = (
        "The government should:\n\n\nensure that the army, with no perceptible un-\n\n23\n\n"
        "See the report cited above.\n ease, returns to barracks;\n\n\nrelease detainees.\n"
    )
    items = parse(text, REGISTRY).items
    assert [i.text for i in items] == [
        "ensure that the army, with no perceptible unease, returns to barracks;",
        "release detainees.",
    ]


def test_blank_line_bullets_under_should_headings():
    items = [
        i
        for i in parse(
            text_of("mali-need-for-determined-and-coordinated-international-action"), REGISTRY
        ).items
    ]
    first = [i for i in items if i.addressee_raw == "ECOWAS leaders should:"]
    assert len(first) == 1 and first[0].label is None and first[0].key.endswith("/#1")


def test_bullets_that_are_only_glyph_lines():
    text = "Donors should:\n\n  •\nfund the elections;\n  •\nrelease the frozen aid.\n\nII. BACKGROUND\nText.\n"
    items = parse(text, REGISTRY).items
    assert [(i.text, i.actors, i.label) for i in items] == [
        ("fund the elections;", ("Donors",), None),
        ("release the frozen aid.", ("Donors",), None),
    ]


def test_two_publications_in_one_file_do_not_overlap():
    for file_name, first, second in [
        (
            "001_4597d85a213fc041.txt",
            "open-letter-un-security-council-mali-2014",
            "mali-coup-within-a-coup",
        ),
        (
            "002_108c1583145ff4b9.txt",
            "mali-reform-or-relapse",
            "open-letter-un-security-council-peacekeeping-mali-2017",
        ),
    ]:
        whole = manifest.normalize((SEEDS / file_name).read_text(encoding="utf-8"))
        a, b = text_of(first), text_of(second)
        start_a, start_b = whole.find(a), whole.find(b)
        assert start_a >= 0 and start_b >= 0
        assert start_a + len(a) <= start_b, f"{first} overlaps {second}"
    assert "Louise Arbour" in text_of("open-letter-un-security-council-mali-2014")
    assert "Q&A" not in text_of("open-letter-un-security-council-mali-2014")
    assert text_of("mali-coup-within-a-coup").startswith("Q&A / Africa")
    report = text_of("mali-reform-or-relapse")
    assert report.startswith("Report 210 / Africa") and report.endswith(
        "not only in regional capitals."
    )
    assert "Guéhenno" not in report and "Executive Summary" not in text_of(
        "open-letter-un-security-council-peacekeeping-mali-2017"
    )


def test_briefing_with_no_list_at_all():
    text = (
        "Mali: After the Vote\n\nI. OVERVIEW\nThe elections went well and the new president was sworn in on time. "
        "Tensions remain in the north, where armed groups still control several towns.\n\n"
        "II. CONCLUSION\nThe coming months will show whether the new government can deliver.\n"
    )
    result = parse(text, REGISTRY)
    assert result.items == [] and result.warnings == ["no recommendation list found"]
    # An open letter parsed without prose extraction has no list either.
    letter = parse(text_of("open-letter-un-security-council-mali-2014"), REGISTRY)
    assert letter.items == [] and letter.warnings == ["no recommendation list found"]


@pytest.mark.parametrize(
    "text",
    [
        "def main():\n    return {'a': 1, 'b': [1, 2, 3]}\n\nif __name__ == '__main__':\n    main()\n",
        "id,name,amount\n1,alpha,3.5\n2,beta,4\n" * 50,
        "Lentil soup\n\nIngredients:\n\n- 200 g lentils\n- 1 onion\n\nMethod:\n\n1. Boil the lentils.\n2. Serve.\n",
    ],
    ids=["python", "csv", "recipe"],
)
def test_text_that_is_not_a_briefing_gives_no_items_and_says_so(text):
    result = parse(text, REGISTRY, prose=True)
    assert result.items == []
    assert "no recommendation list found" in result.warnings


@pytest.mark.parametrize("text", ["", "   \n\n\t \n"])
def test_empty_input_is_an_error(text):
    with pytest.raises(ParseError, match="input is empty"):
        parse(text)


def test_input_over_the_size_limit_is_an_error():
    with pytest.raises(ParseError, match=r"5,000,000 \(MAX_INPUT_CHARS\)"):
        parse("x" * (parser.MAX_INPUT_CHARS + 1))
    with pytest.raises(ParseError, match=r"200,000 lines \(MAX_INPUT_LINES\)"):
        parse("a\n" * parser.MAX_INPUT_LINES)


@pytest.mark.parametrize(
    "text",
    [
        "PK\x03\x04\x00\x00binary",
        bytes(range(1, 256)).decode("latin-1") * 50,
        "\ufffd\ufffd\ufffd\ufffd abc",
    ],
    ids=["nul", "control-characters", "undecodable"],
)
def test_binary_input_is_an_error(text):
    with pytest.raises(ParseError, match="input looks binary"):
        parse(text)
