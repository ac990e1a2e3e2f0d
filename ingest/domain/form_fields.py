"""A form's own fields, as a marketer defines them: name, label, type, required, and for a
choice its options. Every form also has the standard fields (email, always required, first
and last name, company), which are not defined here.

``definitions(raw)`` turns what the app's editor or the CLI sends into clean definitions, or
raises ``FieldError`` naming what is wrong; ``check(spec, value)`` validates one submitted
value against its definition (``domain/validation.py`` calls it for every submission).
Definitions stored before types existed (``{"name", "label", "required"}``) read as text.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

TYPES = {
    "text": "Short text",
    "textarea": "Long text",
    "email": "Email address",
    "tel": "Phone number",
    "url": "Web address",
    "number": "Number",
    "checkbox": "Checkbox",
    "select": "Choice from a list",
}
MAX_FIELDS = 30
MAX_OPTIONS = 50
LABEL_MAX = 100
OPTION_MAX = 100
DEFAULT_MAX_LENGTH = 1000
# Names the visitor-facing edge reserves: the standard fields, campaign data, our hidden ones.
RESERVED = frozenset({"email", "first_name", "last_name", "company", "submission_id"})
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:.]{2,}$")
_NUMBER = re.compile(r"^-?\d{1,15}([.,]\d{1,6})?$")
_TEL = re.compile(r"^\+?[0-9 ()./-]{3,30}$")
CHECKED = "yes"


class FieldError(ValueError):
    """A definition that cannot be used, with a message for the person who wrote it."""


def name_from_label(label: str) -> str:
    """A field name made from its label, for an editor that asks only for labels."""
    name = re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_")[:60]
    return name if name and name[0].isalpha() else f"field_{name}".rstrip("_")


def definitions(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Clean definitions, in order; ``FieldError`` for the first problem found."""
    if len(raw) > MAX_FIELDS:
        raise FieldError(f"A form can have at most {MAX_FIELDS} fields of its own.")
    seen: set[str] = set()
    clean = []
    for position, item in enumerate(raw, start=1):
        label = " ".join(str(item.get("label") or "").split())[:LABEL_MAX]
        name = str(item.get("name") or "").strip() or name_from_label(label)
        where = f"Field {position} ({label or name or 'no label'})"
        if not _NAME.match(name) or name.lower().startswith(("ls_", "utm_")):
            raise FieldError(
                f"{where}: the name must start with a letter and use letters, digits, _ . -"
                " (not ls_ or utm_)."
            )
        if name.lower() in RESERVED:
            raise FieldError(f"{where}: {name!r} is a standard field every form already has.")
        if name in seen:
            raise FieldError(f"{where}: another field is already named {name!r}.")
        seen.add(name)
        kind = str(item.get("type") or "text")
        if kind not in TYPES:
            raise FieldError(f"{where}: the type must be one of {', '.join(TYPES)}.")
        spec: dict[str, Any] = {"name": name, "label": label or name, "type": kind}
        if item.get("required") in (True, "true", "on", "yes", "1", 1):
            spec["required"] = True
        if kind == "select":
            options = item.get("options") or []
            if isinstance(options, str):
                options = options.splitlines()
            options = [" ".join(str(o).split())[:OPTION_MAX] for o in options]
            options = list(dict.fromkeys(o for o in options if o))
            if not options:
                raise FieldError(f"{where}: a choice needs at least one option.")
            if len(options) > MAX_OPTIONS:
                raise FieldError(f"{where}: a choice can have at most {MAX_OPTIONS} options.")
            spec["options"] = options
        max_length = item.get("max_length")
        if max_length not in (None, ""):
            try:
                max_length = int(max_length)
            except (TypeError, ValueError):
                raise FieldError(f"{where}: the longest answer must be a number.") from None
            if not 1 <= max_length <= DEFAULT_MAX_LENGTH:
                raise FieldError(
                    f"{where}: the longest answer must be 1 to {DEFAULT_MAX_LENGTH} characters."
                )
            spec["max_length"] = max_length
        clean.append(spec)
    return clean


def check(spec: dict[str, Any], value: str) -> tuple[str | None, str | None]:
    """(the value to store or None, an error message or None) for one submitted value,
    already stripped of control characters and surrounding space."""
    label = str(spec.get("label") or spec["name"])
    kind = spec.get("type", "text")
    if kind == "checkbox":
        value = CHECKED if value and value.lower() not in ("off", "no", "false", "0") else ""
    if not value:
        return None, (f"{label} is required." if spec.get("required") else None)
    if kind == "email" and not _EMAIL.match(value):
        return None, f"{label}: enter an email address, like name@example.com."
    if kind == "url" and "." not in _web_host(value):
        return None, f"{label}: enter a web address, like https://www.example.com."
    if kind == "number" and not _NUMBER.match(value.replace(" ", "")):
        return None, f"{label}: enter a number."
    if kind == "tel" and not _TEL.match(value):
        return None, f"{label}: enter a phone number (digits, spaces, + - ( ) . /)."
    if kind == "select" and value not in spec.get("options", ()):
        return None, f"{label}: choose one of the options."
    return value, None


def _web_host(value: str) -> str:
    """The host of an http(s) address as a visitor types it (``www.example.com/x`` too), or
    "". ``javascript:alert(1.5)//`` read with ``https://`` in front is host "javascript" and
    port "alert(1.5)": not an address, though its text after the colon has a dot."""
    parts = urlsplit(value if "://" in value else "https://" + value)
    if parts.scheme not in ("http", "https"):
        return ""
    try:
        parts.port  # noqa: B018  (raises for a port that is not a number)
    except ValueError:
        return ""
    return parts.hostname or ""
