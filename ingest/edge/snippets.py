"""What a marketer pastes: the script tag, the embed snippet and the hosted form link."""

from __future__ import annotations

from typing import Any

import jinja2

from ingest.domain.validation import CUSTOM_FIELD_MAX, STANDARD_FIELDS
from ingest.storage.reads import Form

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("ingest", "templates"), autoescape=True, trim_blocks=True
)


def visible_fields(form: Form) -> list[dict[str, Any]]:
    standard = [
        {
            "name": name,
            "label": label,
            "required": name == "email",
            "type": "email" if name == "email" else "text",
            "maxlength": bound,
        }
        for name, label, bound in STANDARD_FIELDS
    ]
    custom = [
        {
            "name": f["name"],
            "label": f.get("label") or f["name"],
            "required": bool(f.get("required")),
            "type": f.get("type", "text"),
            "options": f.get("options", []),
            "maxlength": int(f.get("max_length", CUSTOM_FIELD_MAX)),
        }
        for f in form.custom_fields
    ]
    return standard + custom


def form_path(form: Form) -> str:
    return f"/t/{form.tenant_id}/forms/{form.form_id}"


def hosted_url(base_url: str, form: Form) -> str:
    return base_url.rstrip("/") + form_path(form)


def script_tag(base_url: str, tenant_id: str) -> str:
    src = jinja2.filters.escape(f"{base_url.rstrip('/')}/t/{tenant_id}/utm.js")
    return f'<script src="{src}"></script>'


def embed_html(base_url: str, form: Form) -> str:
    """A plain HTML form posting to the ingest endpoint; works with no other JavaScript."""
    template = _env.get_template("_embed.html")
    return template.render(
        form=form,
        action=hosted_url(base_url, form),
        fields=visible_fields(form),
        values={},
        errors={},
    ).strip()
