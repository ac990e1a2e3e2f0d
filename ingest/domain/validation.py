"""Validating a form submission at the edge: every field has a bound, every error a message."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from ingest.domain import form_fields
from ingest.domain.touch import CLICK_IDS, UTM_KEYS

EMAIL_MAX = 254
_EMAIL = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:.]{2,}$")
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
_SUBMISSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# utm.js's random visitor id: in page-view beacons ("v") and submissions (ls_visitor_id).
_VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# Control characters, NUL, and the invisible and direction-changing marks that make two
# addresses look alike: never part of an email address.
_EMAIL_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
# Stripped from every stored text; multi-line fields keep tab and line breaks.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# (name, label, bound) of the fields every form has; email is the one required field.
STANDARD_FIELDS = (
    ("email", "Email", EMAIL_MAX),
    ("first_name", "First name", 100),
    ("last_name", "Last name", 100),
    ("company", "Company", 200),
)
STANDARD_NAMES = frozenset(name for name, _, _ in STANDARD_FIELDS)
CUSTOM_FIELD_MAX = 1000
MAX_EXTRA_FIELDS = 30
# Campaign data and our own hidden fields travel as touches, never as plain field values.
CAMPAIGN_KEYS = frozenset((*UTM_KEYS, *CLICK_IDS))
HIDDEN_PREFIX = "ls_"


def reject_constant(name: str) -> float:
    """``json.loads``'s hook for ``NaN`` and ``Infinity``, which JSON does not have."""
    raise ValueError(f"{name} is not JSON")


def load_json(body: bytes | str) -> object:
    """A request's JSON body; ``ValueError`` (or ``RecursionError``) for one we refuse:
    ``NaN``/``Infinity``, and text that is not Unicode, as a lone surrogate escape
    (``"\\ud800"``) is: it can be neither stored nor sent on."""
    data = json.loads(body, parse_constant=reject_constant)
    json.dumps(data, ensure_ascii=False).encode("utf-8")  # UnicodeEncodeError is a ValueError
    return data


def strip_controls(value: str, *, multiline: bool = False) -> str:
    return (_CONTROL_MULTILINE if multiline else _CONTROL).sub("", value)


def valid_field_name(name: str) -> bool:
    return bool(_FIELD_NAME.match(name))


def valid_submission_id(value: str) -> bool:
    return bool(_SUBMISSION_ID.match(value))


def valid_visitor_id(value: object) -> bool:
    return isinstance(value, str) and bool(_VISITOR_ID.match(value))


def is_campaign_key(name: str) -> bool:
    lowered = name.lower()
    return lowered in CAMPAIGN_KEYS or lowered.startswith(HIDDEN_PREFIX)


@dataclass
class CleanSubmission:
    email: str = ""
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    # Every visitor-entered value, standard and custom, as stored on the submission.
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def validate(raw: dict[str, str], custom_fields: list[dict[str, object]]) -> CleanSubmission:
    out = CleanSubmission()
    for name, label, bound in STANDARD_FIELDS:
        value = raw.get(name, "")
        if len(value) > bound:
            out.errors[name] = f"{label} can be at most {bound} characters."
            continue
        if name == "email" and _EMAIL_UNSAFE.search(value.strip()):
            out.errors[name] = "Enter a valid email address, like name@example.com."
            continue
        value = strip_controls(value).strip()
        if value:
            out.values[name] = value
    email = out.values.get("email", "")
    if "email" not in out.errors:
        if not email:
            out.errors["email"] = "Email is required."
        elif not _EMAIL.match(email):
            out.errors["email"] = "Enter a valid email address, like name@example.com."
    out.email = email.lower()
    out.first_name = out.values.get("first_name")
    out.last_name = out.values.get("last_name")
    out.company = " ".join(out.values["company"].split()) if "company" in out.values else None

    declared = {str(f["name"]): f for f in custom_fields}
    for name, spec in declared.items():
        value = raw.get(name, "")
        bound = int(spec.get("max_length", CUSTOM_FIELD_MAX))  # type: ignore[call-overload]
        label = str(spec.get("label") or name)
        if len(value) > bound:
            out.errors[name] = f"{label} can be at most {bound} characters."
            continue
        # Text keeps its tab and line breaks (a customer's own HTML may use a textarea for
        # a field defined as short text); the other types are one line.
        multiline = spec.get("type", "text") in ("text", "textarea")
        kept, error = form_fields.check(spec, strip_controls(value, multiline=multiline).strip())
        if error:
            out.errors[name] = error
        elif kept:
            out.values[name] = kept

    # Fields the customer's own HTML added but the form does not declare: kept, bounded,
    # so nothing a visitor typed is lost.
    extras = 0
    for name, value in raw.items():
        if name in STANDARD_NAMES or name in declared or is_campaign_key(name):
            continue
        if not valid_field_name(name) or extras >= MAX_EXTRA_FIELDS:
            continue
        cleaned = strip_controls(value, multiline=True).strip()[:CUSTOM_FIELD_MAX]
        if cleaned:
            out.values[name] = cleaned
            extras += 1
    return out


def company_key(name: str) -> str:
    """Companies match by name within a tenant, ignoring case and runs of spaces."""
    return " ".join(name.casefold().split())
