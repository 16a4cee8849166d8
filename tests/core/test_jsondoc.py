"""The shared JSON document reader: every bad file is one error naming the file."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from drumassist.core.jsondoc import field_bool, field_number, read_json_doc
from drumassist.errors import GainsError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{", "not a readable JSON"),
        ('{"a": NaN}', "not a readable JSON"),
        ('{"a": Infinity}', "not a readable JSON"),
        ('{"a": ' + "9" * 400 + "}", "not a readable JSON"),
        ("[1, 2]", "must hold a JSON object, not list"),
        ('"text"', "must hold a JSON object, not str"),
    ],
)
def test_bad_documents_name_the_file(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "g.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GainsError, match=expected) as info:
        read_json_doc(path, what="gains file", error=GainsError)
    assert str(info.value).startswith("g.json: ")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(GainsError, match="nope.json: no such gains file"):
        read_json_doc(tmp_path / "nope.json", what="gains file", error=GainsError)
    with pytest.raises(GainsError, match="is a folder"):
        read_json_doc(tmp_path, what="gains file", error=GainsError)


def test_good_document_and_fields(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_text('{"gain": -3.5, "mute": false, "n": 2}', encoding="utf-8")
    doc = read_json_doc(path, what="gains file", error=GainsError)
    assert field_number(doc, "gain", where="g.json", error=GainsError, low=-120, high=120) == -3.5
    assert field_number(doc, "pan", where="g.json", error=GainsError, default=0.0) == 0.0
    assert field_bool(doc, "mute", where="g.json", error=GainsError) is False


@pytest.mark.parametrize("value", [True, "1", 1e308, 400, None])
def test_out_of_range_or_wrong_type_numbers(value: object) -> None:
    with pytest.raises(GainsError, match="g.json, track 1: 'gain_db'"):
        field_number(
            {"gain_db": value},
            "gain_db",
            where="g.json, track 1",
            error=GainsError,
            low=-120,
            high=120,
        )
    assert math.isfinite(field_number({"x": 1}, "x", where="w", error=GainsError, low=0, high=2))


def test_string_false_is_not_a_boolean() -> None:
    with pytest.raises(GainsError, match="'mute' must be true or false"):
        field_bool({"mute": "false"}, "mute", where="s", error=GainsError)
