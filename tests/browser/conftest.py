"""Browser tests: JupyterLab + headless Debian Chromium through playwright. Without them they skip and say why (with
``CI=true`` they fail: CI cannot pass by skipping). A failure saves a screenshot, the page's console log and HTML and
the server log under ``browser-artifacts/<test>/`` (or ``$COURSE_BROWSER_ARTIFACTS``), named in the report."""

import contextlib
import importlib.util
import os
import re
from pathlib import Path

import pytest
from browser_harness import REPO, JupyterLabServer, processes_mentioning

collect_ignore_glob = ["*.ipynb"]  # the fixture notebook is the harness's target, not a lesson for nbval
CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("COURSE_BROWSER_ARTIFACTS", REPO / "browser-artifacts"))
# No sandbox (tests may run as root) and no network of its own: no sync, updates, first-run pages or QUIC.
CHROMIUM_ARGS = "--no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking"
CHROMIUM_ARGS += " --disable-component-update --disable-sync"


def unavailable(reason):
    """Skip with ``reason``, or fail when CI=true (a CI run must not pass by skipping)."""
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason} (CI=true, so the browser tests fail instead of skipping)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 serving copies of the notebooks and the fixture."""
    server = JupyterLabServer(tmp_path_factory.mktemp("jupyterlab"))
    try:
        yield server.start()
    finally:
        server.stop()
        left = processes_mentioning(str(server.workdir))  # the server, and the kernels by their connection files
        assert not left, f"processes left behind by JupyterLab: {left}"


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    """A headless Debian Chromium (never a downloaded browser) with a throw-away profile."""
    if importlib.util.find_spec("playwright") is None:
        unavailable("the playwright package is not installed (pip install -r requirements.txt)")
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"no Chromium at {CHROMIUM} (Debian/Ubuntu: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS.split(), timeout=60_000
        )
        try:
            yield context
        finally:
            context.close()
    left = processes_mentioning(str(profile))
    assert not left, f"Chromium processes left behind: {left}"


@pytest.fixture
def lab_page(request, chromium, jupyter_lab):
    """A page of its own for one test; what it logs is kept for the artifacts of a failure."""
    page = chromium.new_page()
    request.node.console = console = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    yield page
    page.close()
    jupyter_lab.shutdown_kernels()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failed test that had a page: save screenshot, HTML, console log and server log; name the folder."""
    report = (yield).get_result()
    page, server = (getattr(item, "funcargs", {}).get(name) for name in ("lab_page", "jupyter_lab"))
    if report.when != "call" or not report.failed or page is None:
        return
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", item.nodeid)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "console.log").write_text("\n".join(item.console) + "\n", encoding="utf-8")
    (folder / "jupyter-server.log").write_text(server.log_path.read_text(errors="replace"), encoding="utf-8")
    with contextlib.suppress(Exception):  # a crashed page must not hide the test's own failure
        page.screenshot(path=str(folder / "screenshot.png"), full_page=True, timeout=15_000)
        (folder / "page.html").write_text(page.content(), encoding="utf-8")
    report.sections.append(("browser artifacts", f"in {folder}: {', '.join(sorted(os.listdir(folder)))}"))
