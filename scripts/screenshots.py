"""Screenshots of the marketer's app for the README: starts the demo (a fresh SQLite file
with its generated history and admin account), signs in in Chromium and saves each main
page to docs/screenshots/.

    .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("LEADSOURCE_SCREENSHOTS", ROOT / "docs" / "screenshots"))
CHROMIUM = os.environ.get("LEADSOURCE_CHROMIUM", "/usr/bin/chromium")
# Page paths under /app/{tenant}/, and the file each is saved as.
PAGES = {
    "": "home",
    "settings": "settings",
    "forms": "forms",
    "links": "links",
    "live": "live",
    "persons": "persons",
    "companies": "companies",
    "deals": "deals",
    "pipeline": "pipeline",
    "dashboards": "dashboards",
    "campaigns": "campaigns",
    "attribution": "attribution",
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest", "demo", "--port", "0", "--site-port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = ""
        while "Ctrl-C" not in banner:
            line = proc.stdout.readline()
            if not line:
                raise SystemExit(f"the demo stopped:\n{banner}")
            banner += line
        login = re.search(r"app\s+(\S+)", banner).group(1)
        email, password = re.search(r"(\S+@\S+) / (\S+)", banner).groups()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.goto(login)
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/app/demo/")
            base = page.url
            for path, name in PAGES.items():
                page.goto(base + path)
                page.screenshot(path=str(OUT / f"{name}.png"))
            person = page.goto(base + "persons") and page.locator("a[href*='/persons/per_']")
            if person and person.count():
                person.first.click()
                page.screenshot(path=str(OUT / "person.png"))
            deal = page.goto(base + "deals") and page.locator("a[href*='/deals/deal_']")
            if deal and deal.count():
                deal.first.click()
                page.screenshot(path=str(OUT / "deal.png"), full_page=True)
            campaign = page.goto(base + "campaigns") and page.locator("a[href*='/campaigns/cmp_']")
            if campaign and campaign.count():
                campaign.first.click()
                page.screenshot(path=str(OUT / "campaign.png"), full_page=True)
            page.goto(base + "dashboards")
            page.screenshot(path=str(OUT / "dashboard-full.png"), full_page=True)
            browser.close()
        print(f"saved to {OUT}")
    finally:
        proc.terminate()
        proc.wait(timeout=15)


if __name__ == "__main__":
    main()
