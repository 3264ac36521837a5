"""Drive the lessons' sliders in JupyterLab the way a learner does: a real server, a real browser.

Three pieces, kept apart so each is readable on its own:

- :func:`find_slider_notebooks`: which notebooks have a slider (read from their JSON);
- :class:`JupyterLabServer`: JupyterLab on 127.0.0.1, random port, random token, a
  throw-away root and config, and a shutdown that leaves no process behind;
- :class:`LabNotebook`: open a notebook in the page, Run All, wait for the
  kernel, find the sliders, move one with the keyboard, snapshot the outputs.

Every wait polls a condition with a timeout; there is no fixed sleep.
"""

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURE_NOTEBOOK = Path(__file__).with_name("fixture_slider.ipynb")

# A code cell that builds a slider: the course's helper, any ipywidgets *Slider, or interact.
_SLIDER_SOURCE = re.compile(r"\bstrength_slider\s*\(|Slider\s*\(|\binteract(?:ive)?\s*\(")


def find_slider_notebooks(folder):
    """The ``*.ipynb`` files in ``folder`` (not recursive) whose code cells build a slider, sorted."""
    found = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        sources = ("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
        if any(_SLIDER_SOURCE.search(source) for source in sources):
            found.append(path)
    return found


def wait_for(condition, timeout, what, interval=0.1):
    """Poll ``condition()`` until it returns a truthy value (returned) or raise TimeoutError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Lab settings that keep a headless run quiet and deterministic: every cell in the DOM
# (no virtual scrolling, so off-screen outputs can be inspected), no news or update
# checks (no outside network, no toast over the notebook).
_LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


class JupyterLabServer:
    """JupyterLab serving a copy of the course's notebooks from a temporary root.

    The root mirrors the repository (symlinks) except ``notebooks/``, which holds
    copies, so a run in the browser never rewrites a committed notebook, while
    paths like ``../cache`` still resolve. Kernels import ``helpers`` from this
    repository (``PYTHONPATH``).
    """

    def __init__(self, workdir, notebooks, start_timeout=120.0, repo=REPO):
        self.repo = Path(repo)
        self.workdir = Path(workdir)
        self.root = self.workdir / "root"
        self.notebooks = [Path(p) for p in notebooks]
        self.start_timeout = start_timeout
        self.token = secrets.token_hex(24)
        self.port = None
        self.process = None
        self.log_path = self.workdir / "jupyter-server.log"
        self._log_file = None
        self._children = {}  # pid -> psutil.Process: kernels live in sessions of their own

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _prepare_root(self):
        self.root.mkdir(parents=True)
        for entry in self.repo.iterdir():
            if entry.name not in {"notebooks", ".git", ".venv"}:
                (self.root / entry.name).symlink_to(entry)
        (self.root / "notebooks").mkdir()
        for entry in (self.repo / "notebooks").iterdir():  # images or data next to the notebooks
            if entry.suffix != ".ipynb" and entry.name != ".ipynb_checkpoints":
                (self.root / "notebooks" / entry.name).symlink_to(entry)
        for notebook in self.notebooks:
            shutil.copy2(notebook, self.root / "notebooks" / notebook.name)

    def _environment(self):
        env = dict(os.environ)
        for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR"):
            env[name] = str(self.workdir / name.lower())
        settings = self.workdir / "jupyter_config_dir" / "lab" / "user-settings"
        for relative, values in _LAB_SETTINGS.items():
            (settings / relative).parent.mkdir(parents=True, exist_ok=True)
            (settings / relative).write_text(json.dumps(values))
        env["JUPYTER_TOKEN"] = self.token  # from the environment, so the token is not in `ps`
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.repo), env.get("PYTHONPATH")]))
        env.pop("MPLBACKEND", None)  # let the kernel use its inline backend, as a learner's does
        env.pop("JUPYTER_PORT", None)
        return env

    def start(self):
        """Start the server and wait until its API answers with our token; raise with its log if not."""
        self._prepare_root()
        self.port = _free_port()
        command = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root}",
            "--ServerApp.terminals_enabled=False",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        self._log_file = open(self.log_path, "wb")  # noqa: SIM115 (the server writes it until stop() closes it)
        self.process = subprocess.Popen(
            command,
            cwd=self.root,
            env=self._environment(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for(self._answers, self.start_timeout, f"JupyterLab to answer on {self.url}/api/status", 0.25)
        except Exception as error:
            self.stop()
            raise RuntimeError(
                f"JupyterLab did not start: {error}\n--- server log ---\n{self.log_text()[-4000:]}"
            ) from None
        return self

    def _answers(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {self.process.returncode}")
        try:
            return self.api("GET", "/api/status") is not None
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def api(self, method, path, timeout=10):
        """One authenticated REST call -> the decoded JSON (None for an empty body)."""
        request = urllib.request.Request(
            self.url + path,
            method=method,
            headers={"Authorization": f"token {self.token}"},
            data=b"" if method in ("POST", "DELETE") else None,
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self):
        """Shut down every kernel of the server (between notebooks: TensorFlow kernels are big)."""
        for kernel in self.api("GET", "/api/kernels"):
            self._remember_descendants()
            self.api("DELETE", f"/api/kernels/{kernel['id']}", timeout=30)

    def log_text(self):
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def _remember_descendants(self):
        """Note the server's descendants (kernels run in sessions of their own, out of its process group)."""
        import psutil

        if self.process is not None and self.process.poll() is None:
            try:
                for child in psutil.Process(self.process.pid).children(recursive=True):
                    self._children.setdefault(child.pid, child)
            except psutil.NoSuchProcess:
                pass

    def leftover_processes(self):
        """The server and the processes it started that are still alive (empty after :meth:`stop`)."""
        import psutil

        alive = [f"{self.process.pid} (the server)"] if self.process and self.process.poll() is None else []
        for child in self._children.values():
            try:  # is_running() also compares start times, so a reused pid does not count
                if child.is_running() and child.status() != psutil.STATUS_ZOMBIE:
                    alive.append(f"{child.pid} {' '.join(child.cmdline())[:120]}")
            except psutil.NoSuchProcess:
                pass
        return alive

    def stop(self):
        """Ask the server to shut down, then TERM and KILL its process group and any kernel left; idempotent."""
        import psutil

        if self.process is None:
            return
        self._remember_descendants()
        if self.process.poll() is None:
            try:
                self.api("POST", "/api/shutdown", timeout=10)  # stops the kernels, then the server
                self.process.wait(timeout=20)
            except Exception:  # no answer or too slow: the signals below take over
                pass
        for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            if self.process.poll() is None:
                try:
                    os.killpg(self.process.pid, sig)
                    self.process.wait(timeout=grace)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
        for child in self._children.values():  # kernels that outlived their server
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()  # psutil refuses if the pid now belongs to another process
        psutil.wait_procs(list(self._children.values()), timeout=5)
        if self._log_file:
            self._log_file.close()


# ---------------------------------------------------------------- the page side

# Text of every output, slider readouts removed: a readout changes whenever the slider
# moves, so it must not count as "the output changed". Figures count by their pixels or markup:
# <img> src (PNG from the inline backend), <canvas> data URL (ipympl), inline <svg>.
_SNAPSHOT_JS = """
(panel) => {
  const parts = [];
  panel.querySelectorAll('.jp-Cell').forEach((cell, index) => {
    const area = cell.querySelector('.jp-OutputArea');
    if (!area) return;
    const clone = area.cloneNode(true);
    clone.querySelectorAll('.widget-readout, .widget-slider input, .widget-slider .noUi-target')
      .forEach(e => e.remove());
    const images = [
      ...Array.from(area.querySelectorAll('img')).map(img => img.getAttribute('src') || ''),
      ...Array.from(area.querySelectorAll('canvas'))
        .map(canvas => { try { return canvas.toDataURL(); } catch (e) { return ''; } }),
      ...Array.from(area.querySelectorAll('svg'))
        .filter(svg => !svg.closest('.jp-icon, [data-icon]')).map(svg => svg.outerHTML),
    ];
    parts.push({cell: index, text: clone.textContent, images: images});
  });
  return parts;
}
"""

_ERRORS_JS = """
(panel) => {
  const found = [];
  panel.querySelectorAll('.jp-Cell').forEach((cell, index) => {
    cell.querySelectorAll('.jp-OutputArea-output').forEach(output => {
      const text = output.textContent || '';
      const stderr = output.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr';
      if ((stderr && /Traceback/.test(text))
          || /Error displaying widget|Failed to (load|create) (model|view)/.test(text))
        found.push(`cell ${index}: ${text.trim().slice(0, 1500)}`);
    });
  });
  return found;
}
"""

# The prompt of every code cell that has source: '[ ]:' never run, '[*]:' queued or running, '[3]:' done.
_PROMPTS_JS = """
(panel) => Array.from(panel.querySelectorAll('.jp-CodeCell'))
  .filter(cell => ((cell.querySelector('.jp-InputArea-editor .cm-content') || {}).textContent || '').trim())
  .map(cell => ((cell.querySelector('.jp-InputPrompt') || {}).textContent || '').trim())
"""


class LabNotebook:
    """One notebook open in a JupyterLab page, driven like a learner (menus, keyboard)."""

    def __init__(self, page, server, relative_path):
        self.page = page
        self.server = server
        self.relative_path = relative_path
        self.panel = page.locator(".jp-NotebookPanel:visible").first

    def open(self, timeout):
        """Open the notebook in a workspace of its own and wait until its kernel is idle."""
        workspace = re.sub(r"\W", "-", self.relative_path) + "-" + secrets.token_hex(4)
        self.page.goto(
            f"{self.server.url}/lab/workspaces/{workspace}/tree/{self.relative_path}?token={self.server.token}",
            timeout=timeout * 1000,
        )
        self.panel.wait_for(state="visible", timeout=timeout * 1000)
        self.wait_kernel_idle(timeout)

    def show_log_console(self):
        """View -> Show Log Console: where a kernel's output goes when no cell owns it (widget callbacks)."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^View$")).click()
        self.page.locator(".lm-Menu-itemLabel:visible", has_text=re.compile(r"^Show Log Console$")).click()
        self.page.locator(".jp-LogConsolePanel").wait_for(state="visible")

    def log_console_text(self):
        panel = self.page.locator(".jp-LogConsolePanel")
        return (panel.first.inner_text() if panel.count() else "") or ""

    def log_console_tracebacks(self):
        """The Log Console's entries that hold a traceback (e.g. a slider callback that raised)."""
        entries = self.page.locator(".jp-LogConsolePanel .jp-OutputArea-output").all_inner_texts()
        return [entry.strip()[-1500:] for entry in entries if "Traceback" in entry]

    def _kernel_status(self):
        # The status bar's kernel item reads "No Kernel | Initializing", then
        # "Python 3 (ipykernel) | Connecting", then "... | Idle"; the toolbar's
        # execution indicator says "idle" already before a kernel exists.
        return self.page.locator(".jp-StatusBar-TextItem", has_text=" | ").first.text_content() or ""

    def _kernel_ready(self):
        status = self._kernel_status()
        return status.endswith("| Idle") and not status.startswith("No Kernel")

    def wait_kernel_idle(self, timeout):
        wait_for(self._kernel_ready, timeout, "the kernel to be connected and idle (status bar '... | Idle')", 0.2)

    def run_all(self, timeout):
        """Run -> Run All Cells; wait until no cell is queued and the kernel is idle; assert every cell ran cleanly."""
        for attempt in (1, 2):
            self.panel.locator(".jp-Notebook").click(position={"x": 5, "y": 5})  # focus the notebook, not an editor
            self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            self.page.locator(".lm-Menu-itemLabel:visible", has_text=re.compile(r"^Run All Cells$")).click()
            try:  # every code cell turns [*] (queued) at once; if none did, the command went nowhere
                wait_for(
                    lambda: any(re.search(r"\[(\*|\d+)\]", p) for p in self.prompts()), 10, "Run All to start", 0.1
                )
                break
            except TimeoutError:
                if attempt == 2:
                    raise
        # Done when no cell is queued or running ([*]) and the kernel is idle. Not "every cell
        # numbered": Run All stops at a cell that raises and leaves the rest at [ ].
        try:
            wait_for(
                lambda: not any("*" in p for p in self.prompts()) and self._kernel_ready(),
                timeout,
                "Run All to finish (no cell [*], kernel idle)",
                0.25,
            )
        except TimeoutError as error:
            raise AssertionError(
                f"{self.relative_path}: {error}; still running or queued: {self.unfinished_cells()[:5]}"
            ) from None
        unfinished, errors = self.unfinished_cells(), self.error_outputs()
        assert not unfinished and not errors, (
            f"{self.relative_path}: Run All did not finish cleanly; cells without an execution count: "
            f"{unfinished[:5]}; error outputs:\n" + "\n".join(errors)
        )

    def wait_quiet(self, timeout, settle=0.5):
        """Wait until the kernel is idle and the outputs stay the same for ``settle`` s (redraws done)."""
        state = {"snapshot": None, "since": time.monotonic()}

        def quiet():
            if not self._kernel_ready():
                state["snapshot"] = None
                return False
            snapshot = self.snapshot()
            if snapshot != state["snapshot"]:
                state["snapshot"], state["since"] = snapshot, time.monotonic()
                return False
            return time.monotonic() - state["since"] >= settle

        wait_for(quiet, timeout, "the outputs to settle (kernel idle, no redraw pending)", 0.1)

    def cell_index(self, element):
        """Index among the notebook's cells of the cell that holds ``element`` (as in :meth:`snapshot`)."""
        return element.evaluate(
            "(el, panel) => Array.from(panel.querySelectorAll('.jp-Cell')).indexOf(el.closest('.jp-Cell'))",
            self.panel.element_handle(),
        )

    def prompts(self):
        return self.page.evaluate(_PROMPTS_JS, self.panel.element_handle())

    def unfinished_cells(self):
        """Code cells (numbered among those with source) without an execution count -> ['cell 2 [*]:', ...]."""
        return [f"code cell {i} {p}" for i, p in enumerate(self.prompts()) if not re.search(r"\[\d+\]", p)]

    def sliders(self):
        """The rendered slider widgets (ipywidgets 8: ``.widget-slider``), in document order."""
        return self.panel.locator(".jupyter-widgets.widget-slider")

    def snapshot(self):
        """Every cell's output text (slider readouts removed) and image sources, as JSON-able data."""
        return self.page.evaluate(_SNAPSHOT_JS, self.panel.element_handle())

    def error_outputs(self):
        """Tracebacks and widget errors shown in any output (stderr outputs with a traceback, error outputs)."""
        return self.page.evaluate(_ERRORS_JS, self.panel.element_handle())

    def move_slider(self, slider, presses=3, timeout=10.0):
        """Focus the slider's handle, press ArrowRight (ArrowLeft at the right end) -> (old, new) value shown."""
        handle = slider.locator(".noUi-handle").first  # a range slider has two: move the first

        def shown():  # the readout when there is one, else the handle's aria value (log sliders: the exponent)
            readout = slider.locator(".widget-readout")
            return (readout.first.text_content() if readout.count() else None) or handle.get_attribute("aria-valuenow")

        before = shown()
        handle.scroll_into_view_if_needed()
        handle.focus()
        for key in ("ArrowRight", "ArrowLeft"):
            for _ in range(presses):
                self.page.keyboard.press(key)
            try:
                wait_for(lambda: shown() != before, timeout / 2, "the slider to move", 0.05)
                return before, shown()
            except TimeoutError:
                continue  # already at this end of the range: go the other way
        raise AssertionError(f"the slider did not move with the keyboard (it stayed at {before!r})")


def describe_change(before, after):
    """Which cells' outputs differ between two snapshots -> e.g. ['cell 3: image', 'cell 3: text']."""
    changes = []
    for old, new in zip(before, after):  # noqa: B905 (a cell added or removed is no output change)
        if old["images"] != new["images"]:
            changes.append(f"cell {new['cell']}: image")
        if old["text"] != new["text"]:
            changes.append(f"cell {new['cell']}: text")
    if len(before) != len(after):
        changes.append("number of cells")
    return changes


def exercise_sliders(page, server, relative_path, run_timeout, redraw_timeout):
    """Open, Run All, then move every slider; assert each one changes an output and nothing errs.

    Returns one line per slider, e.g. ``"λ: 1.0e-1 -> 1.8e-1 changed cell 3: image"``.
    """
    notebook = LabNotebook(page, server, relative_path)
    notebook.open(timeout=120)
    notebook.show_log_console()
    notebook.run_all(run_timeout)  # asserts that every cell ran without an error output
    sliders = notebook.sliders()
    wait_for(lambda: sliders.count() > 0, redraw_timeout, f"a slider to render in {relative_path} (.widget-slider)")
    moved = []
    for index in range(sliders.count()):
        slider = sliders.nth(index)
        name = (slider.locator(".widget-label").first.text_content() or "").strip() or f"slider {index}"
        notebook.wait_quiet(redraw_timeout)
        before, log_before = notebook.snapshot(), notebook.log_console_text()
        # If the slider's own cell shows a figure, that figure must change (a stale figure next to
        # a fresh printed value is the bug nbval cannot see); otherwise any output may.
        cell = notebook.cell_index(slider)
        needed = f"cell {cell}: image" if any(p["cell"] == cell and p["images"] for p in before) else None
        old, new = notebook.move_slider(slider, timeout=redraw_timeout)

        # The first of: a kernel traceback, an error output, a changed output (this iteration's before and needed).
        def reaction(before=before, needed=needed):
            tracebacks = notebook.log_console_tracebacks()
            if tracebacks:
                return "a traceback in the Log Console", tracebacks
            errors = notebook.error_outputs()
            if errors:
                return "an error output", errors
            changes = describe_change(before, notebook.snapshot())
            return ("changed", changes) if changes and (needed is None or needed in changes) else None

        try:
            kind, detail = wait_for(reaction, redraw_timeout, "an output to change")
        except TimeoutError:
            logged = notebook.log_console_text()[len(log_before) :].strip()
            what = f"the figure in its cell ({cell})" if needed else "no output (figure or printed text)"
            raise AssertionError(
                f"{relative_path}: slider {name!r} moved {old} -> {new} but {what} did not change within "
                f"{redraw_timeout:g} s (changed: "
                f"{', '.join(describe_change(before, notebook.snapshot())) or 'nothing'}): its callback does not redraw"
                + (
                    f"; it wrote to the Log Console instead (a print outside an Output widget?):\n{logged[-1500:]}"
                    if logged
                    else ""
                )
            ) from None
        notebook.wait_quiet(redraw_timeout)  # let the callback finish: it may redraw, then raise
        problems = notebook.error_outputs() + notebook.log_console_tracebacks()
        if kind != "changed" or problems:
            raise AssertionError(
                f"{relative_path}: moving slider {name!r} {old} -> {new} gave "
                f"{'an error' if kind == 'changed' else kind}:\n" + "\n".join(problems or detail)
            )
        moved.append(f"{name}: {old} -> {new} changed {', '.join(detail)}")
    return moved
