"""A chat lead through the API, seen in the app: a chat widget on the customer's site sends
the visitor's touches with ``via: chat`` (``POST /api/v1/leads``, as utm.js's
``Leadsource.touches().history`` gives them); the marketer sees it arrive in the live view as
a chat lead with its sources, and on the person card."""

from __future__ import annotations

import json
import urllib.request
import uuid

from playwright.sync_api import BrowserContext, expect

from .conftest import Service
from .test_app import app_context, sign_in  # noqa: F401

LINKEDIN = {
    "utm_source": "linkedin",
    "utm_medium": "paid_social",
    "utm_campaign": "webinar_sept",
    "landing_page": "https://fjord.example/?utm_source=linkedin",
    "at": "2026-11-20T09:00:00.000Z",
}
DIRECT = {"landing_page": "https://fjord.example/pricing", "at": "2026-11-22T10:00:00.000Z"}


def test_a_chat_lead_arrives_in_the_live_view_and_on_its_card(
    service: Service,
    app_context: BrowserContext,  # noqa: F811
):
    tenant = "chat-" + uuid.uuid4().hex[:8]
    api_key = service.cli("tenant", "create", tenant)["api_key"]
    email = f"mia-{uuid.uuid4().hex[:6]}@example.com"
    password = service.cli("user", "create", email, "--tenant", tenant, "--role", "marketer")[
        "password"
    ]
    page = app_context.new_page()
    page.goto(f"{service.url}/app/{tenant}/live")
    sign_in(page, email, password)
    expect(page.locator("#live-status")).to_contain_text("Updates every")

    lead = {"email": "chat.lead@fjord.example", "via": "chat", "touches": [LINKEDIN, DIRECT]}
    request = urllib.request.Request(
        f"{service.url}/api/v1/leads",
        data=json.dumps(lead).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {api_key}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        assert json.loads(response.read())["created_person"] is True

    arrived = page.locator(".live-item", has_text="chat.lead@fjord.example")
    expect(arrived).to_contain_text("Chat", timeout=15_000)
    expect(arrived).to_contain_text("new person")
    expect(arrived).to_contain_text("linkedin")
    arrived.get_by_role("link", name="chat.lead@fjord.example").click()
    expect(page.locator("#first-touch")).to_contain_text("webinar_sept")
    expect(page.locator("#lead-creation")).to_contain_text("linkedin")
    expect(page.locator("#submissions")).to_contain_text("Chat")
