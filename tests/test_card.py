"""Card validation and normalisation: every error names its field."""

from __future__ import annotations

import datetime as dt

import pytest

from ogimage.card import MAX_TITLE, Card, normalise_lang, normalise_text
from ogimage.errors import CardError


def test_normalise_text_nfc_trim_controls_and_bidi_overrides() -> None:
    raw = "  Cafe\u0301\u0000 \u202eevil\u202c\tname\n  "
    assert normalise_text(raw) == "Café evil name"


def test_normalise_keeps_the_ideographic_space() -> None:
    # U+3000 is a full-width gap in CJK text, not white space to fold into " ".
    assert normalise_text("新機能を追加\u3000使い方を解説") == "新機能を追加\u3000使い方を解説"
    assert normalise_text("新機能を追加 \u3000 使い方") == "新機能を追加\u3000使い方"
    assert normalise_text("\u3000題\u3000") == "題"
    assert normalise_text("a \t b") == "a b"


def test_normalise_keeps_joiners_for_emoji() -> None:
    family = "👩\u200d👩\u200d👧"
    assert normalise_text(family) == family


@pytest.mark.parametrize(
    ("raw", "tag"),
    [("ja", "ja"), ("zh-hant", "zh-Hant"), ("zh_hans_cn", "zh-Hans-CN"), ("EN-us", "en-US"), ("es-419", "es-419")],
)
def test_lang_canonical_case(raw: str, tag: str) -> None:
    assert normalise_lang(raw) == tag


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({}, "title", "required"),
        ({"title": "   "}, "title", "empty"),
        ({"title": "x" * (MAX_TITLE + 1)}, "title", "at most 300"),
        ({"title": "t", "lang": "not a tag!"}, "lang", "BCP 47"),
        ({"title": "t", "date": "31/12/2026"}, "date", "not a date"),
        ({"title": "t", "tags": ",".join(f"t{i}" for i in range(11))}, "tags", "at most 10"),
        ({"title": "t", "template": "../etc/passwd"}, "template", "not a template name"),
        ({"title": ["a", "b"]}, "title", "must be text"),
    ],
)
def test_errors_name_field_and_reason(data: dict, field: str, fragment: str) -> None:
    with pytest.raises(CardError) as info:
        Card.from_mapping(data)
    assert info.value.field == field
    assert fragment in info.value.reason
    assert info.value.status == 422
    assert info.value.to_dict() == {"error": {"field": field, "reason": info.value.reason}}


def test_from_mapping_accepts_front_matter_shapes() -> None:
    card = Card.from_mapping(
        {
            "title": "개발자를 위한 오픈소스 AI 가이드",
            "lang": "ko",
            "authors": [{"name": "김민준"}],
            "date": dt.date(2026, 10, 15),
            "tags": ["AI", "AI", " ", "오픈소스"],
        }
    )
    assert card.author == ("김민준",)
    assert card.tags == ("AI", "오픈소스")
    assert card.date == dt.date(2026, 10, 15)
    assert card.template == "default"


def test_query_string_shapes() -> None:
    card = Card.from_mapping({"title": "t", "author": "Ada, Grace", "tags": "a,b", "date": "2026-11-01T10:00:00Z"})
    assert card.author == ("Ada", "Grace")
    assert card.tags == ("a", "b")
    assert card.date == dt.date(2026, 11, 1)


def test_canonical_is_stable_for_equal_content() -> None:
    a = Card.from_mapping({"title": " Hello  world ", "tags": "x,y"})
    b = Card.from_mapping({"title": "Hello world", "tags": ["x", "y"]})
    assert a.canonical() == b.canonical()


def test_the_length_limit_is_the_parameters_as_given_not_what_normalising_leaves() -> None:
    """OpenAPI says maxLength 300 of the title as sent: a longer one is refused even when
    dropping its control characters or folding its spaces would bring it under (schemathesis
    found ``¹-`` and 300 × U+0018 answered 200)."""
    assert len(Card.from_mapping({"title": "x" * 300}).title) == 300
    for title in ("\u00b9-" + "\x18" * 300, "a" + " " * 300 + "b"):
        with pytest.raises(CardError) as info:
            Card.from_mapping({"title": title})
        assert info.value.field == "title" and "at most 300" in info.value.reason
