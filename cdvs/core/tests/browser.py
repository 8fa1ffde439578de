"""Browser tests helpers: Debian's headless Chromium driven by Playwright, and axe-core.

Chromium is the Debian package (`/usr/bin/chromium`), never `playwright install`;
tests marked with `requires_chromium` are skipped only when it is absent (.ci/run
installs it). The browser may only reach the test server: every request to another
host is aborted (tests never use the network). axe-core is vendored next to this file
(vendor/axe.min.js, MPL-2.0, see vendor/README.md).
"""

import contextlib
import functools
import json
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING_IMPACTS = {"serious", "critical"}
SCREENSHOTS_DIR = Path(settings.BASE_DIR) / "var" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=(
        "Chromium absent (/usr/bin/chromium) : installez le paquet Debian « chromium » "
        "(`make chromium`, fait par .ci/run) pour lancer les tests dans le navigateur"
    ),
)


@contextlib.contextmanager
def chromium():
    """A headless Chromium; start it only after the test's database work (the
    Playwright sync API runs an event loop, which Django's ORM refuses to run under)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, *, width=1280, height=900, cookies=()):
    """A page in a fresh context whose requests can only reach the local server."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="fr-FR", service_workers="block"
    )
    blocked = set()
    context.route("**/*", lambda route: _local_only(route, blocked))
    if cookies:
        context.add_cookies(list(cookies))
    page = context.new_page()
    page.blocked_hosts = blocked  # outside hosts the page tried to reach (aborted)
    page.console_messages_seen = []
    page.on(
        "console",
        lambda msg: (
            page.console_messages_seen.append(f"{page.url} — {msg.type} : {msg.text}")
            if msg.type in {"error", "warning"} and "ERR_BLOCKED_BY_CLIENT" not in msg.text
            else None
        ),
    )
    page.on(
        "pageerror",
        lambda exc: page.console_messages_seen.append(f"{page.url} — erreur JavaScript : {exc}"),
    )
    return page


def _local_only(route, blocked: set):
    host = urlsplit(route.request.url).hostname
    if host in LOCAL_HOSTS or route.request.url.startswith(("data:", "blob:")):
        route.continue_()
    else:
        blocked.add(host)
        route.abort("blockedbyclient")


def run_axe(page) -> dict:
    """Runs axe-core on the current document; returns its results. axe is injected
    through the DevTools protocol, so the site's Content-Security-Policy stays on."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    options = {
        "runOnly": {"type": "tag", "values": AXE_TAGS},
        "resultTypes": ["violations", "incomplete"],
    }
    return page.evaluate("options => window.axe.run(document, options)", options)


@functools.cache
def _axe_source() -> str:
    return AXE_JS.read_text()


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]


def describe(violations: list[dict], limit: int = 5) -> str:
    """The violations, readable: rule, impact, help, WCAG tags and the offending nodes."""
    lines = []
    for v in violations:
        tags = ", ".join(t for t in v.get("tags", []) if t.startswith(("wcag", "best")))
        lines.append(f"- [{v['impact']}] {v['id']} : {v['help']} ({tags})")
        lines.append(f"  {v['helpUrl']}")
        for node in v["nodes"][:limit]:
            lines.append(f"    * {' '.join(map(str, node['target']))}")
            lines.append(f"      {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(v["nodes"]) > limit:
            lines.append(f"    … et {len(v['nodes']) - limit} autre(s) élément(s)")
    return "\n".join(lines)


OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const wide = [...document.body.querySelectorAll('*')].filter(
    el => el.getBoundingClientRect().right > width + 1 && el.parentElement
      && el.parentElement.getBoundingClientRect().right <= width + 1);
  return wide.slice(0, 5).map(el => {
    const cls = el.className && typeof el.className === 'string'
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
    return `${el.tagName.toLowerCase()}${cls} (${Math.round(el.getBoundingClientRect().right)} px)`;
  });
}"""


def horizontal_overflow(page) -> str:
    """The outermost elements wider than the viewport (empty when the page reflows)."""
    return ", ".join(page.evaluate(OVERFLOW_JS))


def screenshot(page, name: str) -> Path:
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def save_report(name: str, results: dict) -> Path:
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS_DIR / f"{name}.axe.json"
    report = {k: results[k] for k in ("url", "violations", "incomplete")}
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    return path


class TimedTask:
    """A coordinator's task done as steps in the browser: counts the clicks made
    through `click()`, the pages loaded (main-frame navigations) and the time of each
    step; `report()` is the line written in the test output and in var/reports."""

    def __init__(self, page, name: str):
        self.page, self.name, self.clicks, self.pages, self.steps = page, name, 0, 0, []
        self._clock = time.perf_counter
        self._start = self._clock()
        page.on("framenavigated", lambda frame: self._navigated(frame))

    def _navigated(self, frame):
        if frame == self.page.main_frame:
            self.pages += 1

    def click(self, *args, **kwargs):
        self.clicks += 1
        return self.page.click(*args, **kwargs) if args else None

    def click_role(self, role: str, name: str):
        self.clicks += 1
        self.page.get_by_role(role, name=name, exact=True).first.click()
        self.page.wait_for_load_state()

    def step(self, label: str):
        now = self._clock()
        self.steps.append((label, now - self._start))
        self._start = now

    def report(self) -> str:
        steps = " ; ".join(f"{label} {seconds:.2f} s" for label, seconds in self.steps)
        total = sum(seconds for _, seconds in self.steps)
        line = f"{self.name} : {self.clicks} clics, {self.pages} pages, {total:.2f} s ({steps})"
        SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS_DIR / f"task-{self.name}.json").write_text(
            json.dumps(
                {"clicks": self.clicks, "pages": self.pages, "seconds": total, "steps": self.steps},
                ensure_ascii=False,
            )
        )
        print(line)
        return line
