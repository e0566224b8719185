"""Pathological inputs finish with a result or a ParseError (no timing asserted: these only must not hang)."""

# ruff: noqa: E501  (source sentences are kept whole)

import pathlib

import pytest

from app.ingest.actors import Registry
from app.ingest.parser import MAX_INPUT_CHARS, ParseError, ParseResult, parse

SEEDS = pathlib.Path(__file__).resolve().parent.parent / "seeds"
REGISTRY = Registry.load(SEEDS / "actors.toml")


def finishes(text: str, **options) -> ParseResult | ParseError:
    try:
        return parse(text, REGISTRY, **options)
    except ParseError as exc:
        return exc


def test_five_megabyte_file():
    briefing = (SEEDS / "002_108c1583145ff4b9.txt").read_text(encoding="utf-8")
    big = (briefing + "\n\n") * (5 * 1024 * 1024 // len(briefing) + 1)
    assert isinstance(finishes(big[: 5 * 1024 * 1024], prose=True), ParseError)
    result = finishes(big[: MAX_INPUT_CHARS - 1000], prose=True)
    assert isinstance(result, ParseResult) and len(result.items) > 1000


def test_a_heading_on_every_line():
    text = "".join(f"To the Government of Country {i}:\n" for i in range(100_000))
    result = finishes(text, prose=True)
    assert isinstance(result, ParseResult) and result.items == []


def test_numbered_items_on_every_line_under_one_heading():
    text = "To the Malian government:\n" + "".join(
        f"{i % 999 + 1}. Do thing number {i};\n" for i in range(150_000)
    )
    result = finishes(text)
    assert isinstance(result, ParseResult) and len(result.items) == 150_000


def test_no_newline_at_all():
    sentence = "The Security Council should act now and it must not wait, they should say: "
    result = finishes(sentence * (4_000_000 // len(sentence)), prose=True)
    assert isinstance(result, (ParseResult, ParseError))


def test_deeply_indented_and_nested_text():
    lines = ["To the Malian government:"] + [
        " " * (i * 3) + f"{i % 9 + 1}. level {i} item" for i in range(1500)
    ]
    result = finishes("\n".join(lines))
    assert isinstance(result, ParseResult)
    assert max(len(i.label.split(".")) for i in result.items) <= 4  # nesting depth is capped


@pytest.mark.parametrize(
    "unit",
    ["(((((((", "To To To To ", "- - - - ", "1. 1. 1. ", "’s and, (the) ", "\u00a0" * 7 + "x"],
)
def test_repetitive_junk(unit):
    assert isinstance(
        finishes((unit * (1_000_000 // len(unit))), prose=True), (ParseResult, ParseError)
    )
