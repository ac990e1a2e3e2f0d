"""Validation at the edge: every field bounded, every error a message."""

from __future__ import annotations

import pytest

from ingest.domain.validation import company_key, validate


@pytest.mark.parametrize(
    "email",
    ["a@example.com", "first.last+tag@sub.example.co.uk", "ÆØÅ@eksempel.no", "x@example.museum"],
)
def test_valid_emails(email):
    clean = validate({"email": email}, [])
    assert clean.errors == {}
    assert clean.email == email.lower()


@pytest.mark.parametrize(
    "email",
    [
        "plain",
        "a@b",
        "a@@example.com",
        "a b@example.com",
        "<a@example.com>",
        "a@example.c",
        "a@.com",
        "a@exa mple.com",
    ],
)
def test_invalid_emails(email):
    assert "email" in validate({"email": email}, []).errors


def test_values_are_trimmed_and_company_spaces_folded():
    clean = validate(
        {"email": " A@Example.com ", "first_name": " Ingrid ", "company": "  Fjord   Retail "}, []
    )
    assert clean.email == "a@example.com"
    assert clean.first_name == "Ingrid"
    assert clean.company == "Fjord Retail"


def test_custom_fields_are_bounded_and_can_be_required():
    spec = [{"name": "phone", "label": "Phone", "required": True, "max_length": 20}]
    assert validate({"email": "a@example.com"}, spec).errors == {"phone": "Phone is required."}
    too_long = validate({"email": "a@example.com", "phone": "1" * 21}, spec)
    assert too_long.errors == {"phone": "Phone can be at most 20 characters."}
    ok = validate({"email": "a@example.com", "phone": "22 00 00 00"}, spec)
    assert ok.values["phone"] == "22 00 00 00"


def test_undeclared_fields_are_kept_but_bounded():
    raw = {
        "email": "a@example.com",
        "notes": "n" * 5000,
        "bad name": "x",
        "utm_source": "s",
        "ls_first_touch": "{}",
        "GCLID": "g",
    }
    raw.update({f"extra{i}": "v" for i in range(100)})
    clean = validate(raw, [])
    assert len(clean.values["notes"]) == 1000
    assert "bad name" not in clean.values
    assert not {"utm_source", "ls_first_touch", "GCLID"} & set(clean.values)
    assert len([k for k in clean.values if k.startswith("extra")]) <= 30


def test_company_key():
    assert company_key("  Fjord   RETAIL ") == company_key("fjord retail") == "fjord retail"
    assert company_key("Straße AG") == company_key("STRASSE ag")
