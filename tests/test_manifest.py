"""The seed manifest: seven publications in five files, and clear errors for a bad manifest."""

import datetime
import pathlib
import shutil

import pytest

from app.ingest import manifest
from app.ingest.parser import Correction

SEEDS = pathlib.Path(__file__).resolve().parent.parent / "seeds"

EXPECTED = [
    # slug, doc_type, source file, published_on, precision
    (
        "mali-need-for-determined-and-coordinated-international-action",
        "briefing",
        "000_8e875ab97fc70c3d.txt",
        datetime.date(2012, 9, 24),
        "day",
    ),
    (
        "open-letter-un-security-council-mali-2014",
        "open_letter",
        "001_4597d85a213fc041.txt",
        datetime.date(2014, 1, 1),
        "year",
    ),
    (
        "mali-coup-within-a-coup",
        "qa",
        "001_4597d85a213fc041.txt",
        datetime.date(2021, 5, 1),
        "month",
    ),
    (
        "mali-reform-or-relapse",
        "report",
        "002_108c1583145ff4b9.txt",
        datetime.date(2014, 1, 1),
        "month",
    ),
    (
        "open-letter-un-security-council-peacekeeping-mali-2017",
        "open_letter",
        "002_108c1583145ff4b9.txt",
        datetime.date(2017, 5, 1),
        "month",
    ),
    (
        "stabilising-mali-special-briefing-part-1",
        "briefing",
        "003_37e9a570a506731b.txt",
        datetime.date(2014, 1, 1),
        "month",
    ),
    (
        "mali-transition-for-rethinking-security-and-stability",
        "policy_brief",
        "004_1dbfdeafafd22d44.txt",
        datetime.date(2020, 9, 1),
        "month",
    ),
]


def test_seed_manifest_lists_seven_publications():
    specs = manifest.load(SEEDS / "manifest.toml")
    assert [
        (s.slug, s.doc_type, s.source_file, s.published_on, s.date_precision) for s in specs
    ] == EXPECTED
    assert {s.source_file for s in specs} == {p.name for p in SEEDS.glob("*.txt")}
    assert [s.prose for s in specs] == [False, True, True, False, True, False, False]
    by_slug = {s.slug: s for s in specs}
    assert by_slug["mali-reform-or-relapse"].corrections == (
        Correction("Fulfil its civilian protection mandate", "To MINUSMA:"),
    )
    assert (
        by_slug["mali-transition-for-rethinking-security-and-stability"].publisher
        == "Brussels International Center"
    )
    assert all(s.title and s.publisher for s in specs)


def test_extract_gives_each_publication_its_own_normalised_text():
    for spec in manifest.load(SEEDS / "manifest.toml"):
        text = spec.extract((SEEDS / spec.source_file).read_text(encoding="utf-8"))
        assert (
            text == manifest.normalize(text)
            and not text.startswith("\n")
            and not text.endswith("\n")
        )
        assert "\r" not in text and not any(line != line.rstrip() for line in text.split("\n"))
    letter = {s.slug: s for s in manifest.load(SEEDS / "manifest.toml")}[
        "open-letter-un-security-council-mali-2014"
    ]
    text = letter.extract((SEEDS / letter.source_file).read_text(encoding="utf-8"))
    assert text.startswith("Open Letter to the UN Security Council on Mali\n")
    assert text.endswith("President and CEO\nInternational Crisis Group")


def test_date_forms():
    check = manifest.partial_date
    assert check("x", datetime.date(2020, 1, 2), None) == (datetime.date(2020, 1, 2), "day")
    assert check("x", "2020-03", None) == (datetime.date(2020, 3, 1), "month")
    assert check("x", "2020", None) == (datetime.date(2020, 1, 1), "year")
    assert check("x", "2020-03-04", "month") == (datetime.date(2020, 3, 4), "month")
    assert check("x", None, None) == (None, None)


GOOD = """\
[[publication]]
slug = "a-publication"
title = "A publication"
publisher = "Someone"
doc_type = "briefing"
published_on = "2020-05"
source_file = "a.txt"
start = "Start here"
end = "End here"
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda t: t.replace('doc_type = "briefing"', 'doc_type = "memo"'),
            "doc_type 'memo' is not one of",
        ),
        (lambda t: t.replace('slug = "a-publication"\n', ""), r"missing or empty \['slug'\]"),
        (lambda t: t.replace('"a-publication"', '"A Publication"'), "slug must be lowercase"),
        (lambda t: t + t, r"duplicate slugs \['a-publication'\]"),
        (
            lambda t: t.replace('"2020-05"', '"May 2020"'),
            "is not 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'",
        ),
        (lambda t: t.replace('"2020-05"', '"2020-13"'), "month must be in 1..12"),
        (
            lambda t: t.replace('"2020-05"', '"2020"\ndate_precision = "day"'),
            "finer than published_on",
        ),
        (lambda t: t.replace('"a.txt"', '"../a.txt"'), "source_file must be a file name"),
        (lambda t: t.replace('"a.txt"', '"missing.txt"'), "source file 'missing.txt' not found"),
        (lambda t: t.replace('"Start here"', '"Nowhere"'), "start line 'Nowhere' not found"),
        (lambda t: t.replace('"End here"', '"Nowhere"'), "end line 'Nowhere' not found"),
        (lambda t: t + 'colour = "red"\n', r"unknown keys \['colour'\]"),
        (lambda t: t + 'url = "ftp://x"\n', "url must start with"),
        (lambda t: t + "prose = 1\n", "prose must be true or false"),
        (
            lambda t: t + '[[publication.corrections]]\nbefore = "x"\n',
            "needs exactly 'before' and 'insert_heading'",
        ),
        (lambda t: "[[publication]\n", "not valid TOML"),
        (lambda t: "title = 'x'\n", r"expected one or more \[\[publication\]\] tables"),
    ],
)
def test_bad_manifest_is_rejected_with_a_clear_message(tmp_path, change, message):
    (tmp_path / "a.txt").write_text(
        "Header\nStart here\nBody.\nEnd here\nFooter\n", encoding="utf-8"
    )
    path = tmp_path / "manifest.toml"
    path.write_text(change(GOOD), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        manifest.load(path)


def test_good_manifest_in_another_directory(tmp_path):
    (tmp_path / "a.txt").write_text(
        "Header\r\nStart here  \r\nBody.\r\nEnd here\r\nFooter\r\n", encoding="utf-8"
    )
    (tmp_path / "manifest.toml").write_text(GOOD, encoding="utf-8")
    (spec,) = manifest.load(tmp_path / "manifest.toml")
    assert (
        spec.extract((tmp_path / "a.txt").read_text(encoding="utf-8"))
        == "Start here\nBody.\nEnd here"
    )
    assert spec.parse_options() == {"corrections": (), "prose": False}
    assert (spec.url, spec.published_on, spec.date_precision) == (
        None,
        datetime.date(2020, 5, 1),
        "month",
    )


def test_seed_directory_copy_loads(tmp_path):
    for path in SEEDS.iterdir():
        shutil.copy(path, tmp_path / path.name)
    assert len(manifest.load(tmp_path / "manifest.toml")) == 7
