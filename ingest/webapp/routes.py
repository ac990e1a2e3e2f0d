"""The app's routes: THE place to add a page.

A page of a tenant is a ``Page``: its path under ``/app/{tenant}/``, its handler
``async def handler(request, member) -> Response`` (``render(request, "app/x.html", {...},
viewer=member)``), the roles that may use it, and a label when it belongs in the
navigation. ``access.tenant_page`` wraps every handler: sign-in, membership (404), CSRF on
posts, role (403). Every route also goes into ``tests/test_isolation.py``'s matrix and
``ingest/api/openapi.py``'s ``UNDOCUMENTED``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.middleware import Middleware
from starlette.routing import Route

from ingest.config import Settings
from ingest.domain.accounts import ADMIN, MARKETER, SALES
from ingest.webapp import (
    access,
    account,
    attribution,
    auth,
    board,
    campaigns,
    companies,
    dashboards,
    deals,
    forms,
    imports,
    leads,
    links,
    live,
    pages,
    persons,
    pipeline,
    selections,
    settings,
    static,
    users,
)
from ingest.webapp.session import AppSession

EVERYONE = (ADMIN, MARKETER, SALES)
MARKETING = (ADMIN, MARKETER)
ADMINS = (ADMIN,)


@dataclass(frozen=True)
class Page:
    path: str  # under /app/{tenant}/, "" for the home page; may hold {parameters}
    handler: Callable[..., object]
    roles: tuple[str, ...]
    label: str | None = None  # in the navigation when set
    blurb: str = ""  # the home page's line about it
    methods: tuple[str, ...] = ("GET",)

    @property
    def group(self) -> str:
        """The navigation's section of a page with a label (``SECTIONS``)."""
        return next((name for name, labels in SECTIONS if self.label in labels), "")


# The navigation's sections, in order, and the labelled pages in each, in order: what a
# marketer reads first (reports), then the leads and the sales worked every day, the
# marketing tools, and the administrator's setup. A labelled page in no section fails
# tests/test_webapp.py.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Reports", ("Dashboards", "Campaigns", "Attribution")),
    ("Leads", ("Persons", "Companies", "Board", "Selections", "Live")),
    ("Sales", ("Deals", "Pipeline")),
    ("Marketing", ("Forms", "Links", "Import")),
    ("Setup", ("Settings", "Users", "Lead setup")),
)


PAGES: tuple[Page, ...] = (
    Page("", pages.home, EVERYONE),
    # Dashboards first: the reports are what the product is for. Shared in the tenant, every
    # member reads and changes them (as selections).
    Page(
        "dashboards",
        dashboards.index,
        EVERYONE,
        "Dashboards",
        "Leads, nurturing and sales at a glance: every number links to the leads or deals in it.",
        methods=("GET", "POST"),
    ),
    Page("dashboards/manage", dashboards.manage, EVERYONE),
    Page("dashboards/{dashboard_id}", dashboards.show, EVERYONE),
    Page("dashboards/{dashboard_id}/change", dashboards.change, EVERYONE, methods=("POST",)),
    Page("dashboards/{dashboard_id}/tiles", dashboards.tile_new, EVERYONE, methods=("GET", "POST")),
    Page(
        "dashboards/{dashboard_id}/tiles/{tile_id}",
        dashboards.tile_edit,
        EVERYONE,
        methods=("GET", "POST"),
    ),
    Page("dashboards/{dashboard_id}/tiles/{tile_id}/csv", dashboards.tile_csv, EVERYONE),
    Page(
        "dashboards/{dashboard_id}/tiles/{tile_id}/change",
        dashboards.tile_change,
        EVERYONE,
        methods=("POST",),
    ),
    Page(
        "settings",
        settings.page,
        ADMINS,
        "Settings",
        "UTM data transfer, website origins, the script tag, is it installed, the API keys.",
    ),
    Page("settings/transfer", settings.transfer, ADMINS, methods=("POST",)),
    Page("settings/origins", settings.origins, ADMINS, methods=("POST",)),
    Page("settings/script", settings.script, ADMINS, methods=("POST",)),
    Page("settings/api-keys", settings.create_key, ADMINS, methods=("POST",)),
    Page("settings/api-keys/{key_id}/revoke", settings.revoke_key, ADMINS, methods=("POST",)),
    Page("users", users.page, ADMINS, "Users", "Invite people, change their roles, remove them."),
    Page("users/invite", users.invite, ADMINS, methods=("POST",)),
    Page("users/role", users.change_role, ADMINS, methods=("POST",)),
    Page("users/remove", users.remove, ADMINS, methods=("POST",)),
    Page(
        "lead-setup",
        leads.setup_page,
        ADMINS,
        "Lead setup",
        "Company categories and their groups, lead statuses, the category of new companies.",
        methods=("GET", "POST"),
    ),
    Page(
        "forms",
        forms.index,
        MARKETING,
        "Forms",
        "Create and publish forms; copy the embed code or the hosted link.",
        methods=("GET", "POST"),
    ),
    Page("forms/{form_id}", forms.edit, MARKETING, methods=("GET", "POST")),
    Page(
        "links",
        links.index,
        MARKETING,
        "Links",
        "Build campaign links with consistent UTM names, and see what each brought.",
        methods=("GET", "POST"),
    ),
    Page("links/campaigns", links.campaigns, MARKETING, methods=("POST",)),
    Page(
        "campaigns",
        campaigns.index,
        EVERYONE,
        "Campaigns",
        "What each campaign brought: sessions, new and influenced contacts, deals, revenue.",
    ),
    Page("campaigns/compare", campaigns.compare, EVERYONE),
    Page("campaigns/unowned", campaigns.unowned_page, EVERYONE),
    Page("campaigns/{campaign_id}", campaigns.campaign_page, EVERYONE),
    Page(
        "live",
        live.live,
        MARKETING,
        "Live",
        "The latest submissions as they arrive, with what was captured and what is missing.",
    ),
    Page(
        "persons",
        persons.persons_list,
        EVERYONE,
        "Persons",
        "Every lead with first touch, lead creation and conversions.",
    ),
    Page("persons.csv", persons.persons_csv_export, EVERYONE),
    Page("persons/{person_id}", persons.person_card, EVERYONE),
    # Names and companies are CRM data every role works with, sales included.
    Page("persons/{person_id}/edit", persons.person_edit, EVERYONE, methods=("POST",)),
    # Lead status and owner: sales work leads, marketers and admins too.
    Page("persons/{person_id}/lead", leads.person_lead, EVERYONE, methods=("POST",)),
    # Privacy requests (export, erasure) are the administrator's.
    Page("persons/{person_id}/export", persons.person_export, ADMINS),
    Page("persons/{person_id}/erase", persons.person_erase, ADMINS, methods=("GET", "POST")),
    Page(
        "companies",
        companies.companies_list,
        EVERYONE,
        "Companies",
        "Companies with their source, persons and submissions.",
    ),
    Page("companies/{company_id}", companies.company_card, EVERYONE),
    # Selections are shared in the tenant; their maker or an admin changes them (the handler).
    Page(
        "selections",
        selections.index,
        EVERYONE,
        "Selections",
        "Saved searches of persons and companies, shared, opened as the list, exported as CSV.",
        methods=("GET", "POST"),
    ),
    Page("selections/{selection_id}", selections.open_selection, EVERYONE),
    Page("selections/{selection_id}/export", selections.export, EVERYONE),
    Page("selections/{selection_id}/rename", selections.rename, EVERYONE, methods=("POST",)),
    Page("selections/{selection_id}/delete", selections.delete, EVERYONE, methods=("POST",)),
    # Deals: sales and admins work them, marketers read them (sales by source).
    Page(
        "deals",
        deals.deals_list,
        EVERYONE,
        "Deals",
        "Sales and pipeline, each deal with its person's lead-creation source.",
    ),
    Page("deals/new", deals.deal_new, deals.SELLERS, methods=("GET", "POST")),
    Page("deals/{deal_id}", deals.deal_card, EVERYONE),
    Page("deals/{deal_id}/edit", deals.deal_edit, deals.SELLERS, methods=("POST",)),
    Page(
        "pipeline",
        pipeline.board,
        EVERYONE,
        "Pipeline",
        "Open deals by stage: move them along, mark them won or lost.",
    ),
    Page("pipeline-setup", pipeline.setup, ADMINS, methods=("GET", "POST")),
    # The lead board: every role works lead statuses, as on the person card.
    Page(
        "board",
        board.board,
        EVERYONE,
        "Board",
        "Leads by status: drag them along, or move them with each card's form.",
    ),
    Page("board/move", board.move, EVERYONE, methods=("POST",)),
    Page(
        "import",
        imports.page,
        MARKETING,
        "Import",
        "Bring in contacts you already have from a CSV file, with a dry run first.",
        methods=("GET", "POST"),
    ),
    Page("companies/{company_id}/lead", leads.company_lead, EVERYONE, methods=("POST",)),
    # Attribution: marketers' report, read by every role (sales see where deals came from).
    Page(
        "attribution",
        attribution.page,
        EVERYONE,
        "Attribution",
        "Contacts, deals and revenue credited to sources, campaigns and channels, by model.",
    ),
    Page("attribution/conversions", attribution.conversions, EVERYONE),
)

_ORDER = [label for _, labels in SECTIONS for label in labels]
NAV: tuple[access.NavItem, ...] = tuple(
    access.NavItem(page.label, page.path, page.roles, page.blurb, page.group)
    for page in sorted(
        (page for page in PAGES if page.label),
        key=lambda page: _ORDER.index(page.label) if page.label in _ORDER else len(_ORDER),
    )
)


def routes(settings: Settings) -> list[Route]:
    # The session middleware sits on the app's routes only: the ingest path parses no cookie.
    session = [Middleware(AppSession, settings=settings)]
    found = [
        Route("/app", pages.app_root),
        Route("/app/login", auth.login, methods=["GET", "POST"], middleware=session),
        Route("/app/logout", auth.logout, methods=["POST"], middleware=session),
        Route("/app/", access.signed_in(pages.tenants), middleware=session),
        Route(
            account.PATH,
            access.signed_in(account.account),
            methods=["GET", "POST"],
            middleware=session,
        ),
        Route(static.PREFIX + "{name}", static.serve),
    ]
    for page in PAGES:
        found.append(
            Route(
                "/app/{tenant}/" + page.path,
                access.tenant_page(page.handler, page.roles, NAV),  # type: ignore[arg-type]
                methods=list(page.methods),
                middleware=session,
            )
        )
    return found
