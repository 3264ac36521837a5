"""Browser tests: JupyterLab + headless Debian Chromium through playwright (marker ``browser``).

Without chromium or playwright these tests skip with the reason, except when
``CI=true``: there they fail, so CI cannot pass by skipping them.
On a failure, a screenshot, the page's console log, the page's HTML and the
Jupyter server log are saved under ``browser-artifacts/`` (or
``$COURSE_BROWSER_ARTIFACTS``) and the folder is named in the report.
"""

import importlib.util
import os
import re
from pathlib import Path

import pytest
from browser_harness import FIXTURE_NOTEBOOK, REPO, JupyterLabServer, find_slider_notebooks

# The fixture notebook is the harness's target, not a lesson: nbval must not collect it.
collect_ignore_glob = ["*.ipynb"]

CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("COURSE_BROWSER_ARTIFACTS", REPO / "browser-artifacts"))
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


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: drives JupyterLab in headless Chromium (needs chromium and playwright)"
    )


def unavailable(reason):
    """Skip with ``reason``, or fail when CI=true (a CI run must not pass by skipping)."""
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason} (CI=true, so the browser tests fail instead of skipping)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 serving copies of the fixture and every slider notebook."""
    if importlib.util.find_spec("jupyterlab") is None:
        unavailable("jupyterlab is not installed in this Python")
    notebooks = [FIXTURE_NOTEBOOK, *find_slider_notebooks(REPO / "notebooks")]
    server = JupyterLabServer(tmp_path_factory.mktemp("jupyterlab"), notebooks)
    try:
        yield server.start()
    finally:
        server.stop()
        leftovers = server.leftover_processes() + _processes_mentioning(str(server.workdir))
        assert not leftovers, f"processes left behind by JupyterLab: {leftovers}"


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    """A headless Debian Chromium (never a downloaded browser) with a throw-away profile."""
    if os.name != "posix":
        unavailable("the browser tests need a POSIX system (process groups, Debian's chromium)")
    if importlib.util.find_spec("playwright") is None:
        unavailable("the playwright package is not installed (pip install -r requirements.txt)")
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"no Chromium at {CHROMIUM} (Debian/Ubuntu: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    playwright = sync_playwright().start()
    try:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
            timeout=60_000,
        )
        try:
            yield context
        finally:
            context.close()
    finally:
        playwright.stop()
    leftovers = _processes_mentioning(str(profile))
    assert not leftovers, f"Chromium processes left behind: {leftovers}"


def _processes_mentioning(text):
    import psutil

    found = []
    for process in psutil.process_iter(["pid", "cmdline", "status"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if text in cmdline and process.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(f"{process.info['pid']} {cmdline[:120]}")
    return found


class BrowserPage:
    """A page of its own for one test, with everything the page logged."""

    def __init__(self, page):
        self.page = page
        self.console = []
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))
        page.set_default_timeout(30_000)


@pytest.fixture
def lab_page(chromium, jupyter_lab):
    browser_page = BrowserPage(chromium.new_page())
    yield browser_page
    browser_page.page.close()
    jupyter_lab.shutdown_kernels()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failed test that had a page: save screenshot, console log, HTML and server log; name the folder."""
    outcome = yield
    report = outcome.get_result()
    browser_page = item.funcargs.get("lab_page") if hasattr(item, "funcargs") else None
    if report.when != "call" or not report.failed or browser_page is None:
        return
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", item.nodeid)
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    try:
        browser_page.page.screenshot(path=str(folder / "screenshot.png"), full_page=True, timeout=15_000)
        saved.append("screenshot.png")
        (folder / "page.html").write_text(browser_page.page.content(), encoding="utf-8")
        saved.append("page.html")
    except Exception as error:  # a crashed page must not hide the test's own failure
        saved.append(f"(no screenshot: {error})")
    (folder / "console.log").write_text("\n".join(browser_page.console) + "\n", encoding="utf-8")
    server = item.funcargs.get("jupyter_lab")
    if server is not None:
        (folder / "jupyter-server.log").write_text(server.log_text(), encoding="utf-8")
    message = f"browser artifacts in {folder}: {', '.join([*saved, 'console.log', 'jupyter-server.log'])}"
    report.sections.append(("browser artifacts", message))
    print(f"\n{message}")
