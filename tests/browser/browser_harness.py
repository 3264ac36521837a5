"""Drive the lessons' sliders in JupyterLab the way a learner does: :class:`JupyterLabServer` serves copies of the
notebooks on 127.0.0.1 and leaves no process behind; :func:`exercise_sliders` opens one in a page, runs all cells,
moves each slider with the keyboard and asserts that an output changes. Every wait polls; no fixed sleep."""

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]
FIXTURE_NOTEBOOK = Path(__file__).with_name("fixture_slider.ipynb")
# A code cell that builds a slider: the course's helper, any ipywidgets *Slider, or interact.
SLIDER_SOURCE = re.compile(r"\bstrength_slider\s*\(|Slider\s*\(|\binteract(?:ive)?\s*\(")
# Every cell in the DOM (no virtual scrolling, so off-screen outputs can be read); no news, update check or autosave.
LAB_SETTINGS = {
    "notebook-extension/tracker": {"windowingMode": "none"},
    "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "docmanager-extension/plugin": {"autosave": False},
}


def find_slider_notebooks(folder):
    """The ``*.ipynb`` files in ``folder`` (not recursive) whose code cells build a slider, sorted."""
    found = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        if any(SLIDER_SOURCE.search("".join(c["source"])) for c in cells if c["cell_type"] == "code"):
            found.append(path)
    return found


def wait_for(condition, timeout, what, interval=0.1):
    """Poll ``condition()`` until it returns a truthy value (returned); TimeoutError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)
    return value


def processes_mentioning(text):
    """Live processes whose command line contains ``text`` (a temporary folder of ours) -> {process: command line}."""
    found = {}
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error):  # gone meanwhile, or not ours to read
            if text in (cmdline := " ".join(process.cmdline())) and process.status() != psutil.STATUS_ZOMBIE:
                found[process] = cmdline[:120]
    return found


class JupyterLabServer:
    """JupyterLab on a root that mirrors the repository (symlinks) but holds copies of the notebooks and the fixture
    (a run never rewrites a committed notebook); its kernels import ``helpers`` from the repository."""

    def __init__(self, workdir):
        self.workdir, self.root = Path(workdir), Path(workdir) / "root"
        self.token, self.process, self.log_path = secrets.token_hex(24), None, self.workdir / "jupyter-server.log"

    def start(self, timeout=120):
        """Start the server and wait until its API answers with our token; raise with its log if not."""
        (self.root / "notebooks" / "zh").mkdir(parents=True)
        for entry in REPO.iterdir():
            if entry.name not in {"notebooks", ".git", ".venv"}:
                (self.root / entry.name).symlink_to(entry)
        for notebook in [FIXTURE_NOTEBOOK, *(REPO / "notebooks").glob("*.ipynb")]:
            shutil.copy2(notebook, self.root / "notebooks" / notebook.name)
        for notebook in (REPO / "notebooks" / "zh").glob("*.ipynb"):  # the Chinese edition, in its own folder
            shutil.copy2(notebook, self.root / "notebooks" / "zh" / notebook.name)
        env = {**os.environ, "JUPYTER_TOKEN": self.token}  # from the environment: the token is not in `ps`
        for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR"):
            env[name] = str(self.workdir / name.lower())  # kernels' command lines name this folder
        for name, values in LAB_SETTINGS.items():
            path = self.workdir / f"jupyter_config_dir/lab/user-settings/@jupyterlab/{name}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        env.pop("MPLBACKEND", None)  # the kernel's inline backend, as a learner's
        with socket.socket() as sock:  # a free port
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        server = {"ip": "127.0.0.1", "port": port, "port_retries": 0, "root_dir": self.root, "terminals_enabled": False}
        command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--LabApp.news_url=None"]
        command += [f"--ServerApp.{key}={value}" for key, value in server.items()]
        command.append("--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate")
        options = {"cwd": self.root, "env": env, "stdin": subprocess.DEVNULL, "start_new_session": True}
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=log, **options)
        try:
            wait_for(self._answers, timeout, f"JupyterLab to answer on {self.url}/api/status", 0.25)
        except Exception as error:
            self.stop()
            log = self.log_path.read_text(errors="replace")[-4000:]
            raise RuntimeError(f"JupyterLab did not start: {error}\n--- server log ---\n{log}") from None
        return self

    def _answers(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {self.process.returncode}")
        with contextlib.suppress(OSError):
            return self.api("GET", "/api/status") is not None

    def api(self, method, path, timeout=10):
        """One authenticated REST call -> the decoded JSON (None for an empty body)."""
        data, headers = b"" if method in ("POST", "DELETE") else None, {"Authorization": f"token {self.token}"}
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self):
        """Shut down every kernel (between notebooks: TensorFlow kernels are big)."""
        for kernel in self.api("GET", "/api/kernels"):
            self.api("DELETE", f"/api/kernels/{kernel['id']}", timeout=30)

    def stop(self):
        """Ask the server to shut down (it stops its kernels first), then kill what is left of it and its kernels."""
        if self.process is None:
            return
        with contextlib.suppress(Exception):  # no answer or too slow: killed below
            self.api("POST", "/api/shutdown")
            self.process.wait(timeout=20)
        left = list(processes_mentioning(str(self.workdir)))  # the server's root and the kernels' connection files
        for process in left:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        psutil.wait_procs(left, timeout=5)
        self.process.wait(timeout=5)


# Per cell: its outputs' text without slider readouts (they change whenever a slider moves), and its figures' <img>
# sources (the PNG of the inline backend, or the <img> in helpers.widgets.BlittedFigure's HTML widget).
SNAPSHOT_JS = """(panel) => Array.from(panel.querySelectorAll('.jp-Cell')).map((cell, index) => {
  const area = cell.querySelector('.jp-OutputArea');
  if (!area) return null;
  const clone = area.cloneNode(true);
  clone.querySelectorAll('.widget-readout, .widget-slider input, .noUi-target').forEach(e => e.remove());
  const images = Array.from(area.querySelectorAll('img')).map(img => img.getAttribute('src') || '');
  return {cell: index, text: clone.textContent, images: images};
}).filter(Boolean)"""
# Tracebacks on stderr and widget errors, in any cell's output.
ERRORS_JS = """(panel) => Array.from(panel.querySelectorAll('.jp-Cell')).flatMap((cell, index) =>
  Array.from(cell.querySelectorAll('.jp-OutputArea-output')).map(output => [output.textContent || '',
    output.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr'])
  .filter(([text, stderr]) => (stderr && /Traceback/.test(text))
    || /Error displaying widget|Failed to (load|create) (model|view)/.test(text))
  .map(([text]) => `cell ${index}: ${text.trim().slice(0, 1500)}`))"""
# The prompt of every code cell with source: '[ ]:' never run, '[*]:' queued or running, '[3]:' done.
PROMPTS_JS = """(panel) => Array.from(panel.querySelectorAll('.jp-CodeCell'))
  .filter(cell => ((cell.querySelector('.jp-InputArea-editor .cm-content') || {}).textContent || '').trim())
  .map(cell => ((cell.querySelector('.jp-InputPrompt') || {}).textContent || '').trim())"""
CELL_INDEX_JS = "(el, panel) => Array.from(panel.querySelectorAll('.jp-Cell')).indexOf(el.closest('.jp-Cell'))"


class LabNotebook:
    """One notebook open in a JupyterLab page, driven like a learner (menus, keyboard)."""

    def __init__(self, page, server, relative_path, timeout=120):
        """Open the notebook in a workspace of its own, and the Log Console (where a callback's traceback goes)."""
        self.page, self.path, self.panel = page, relative_path, page.locator(".jp-NotebookPanel:visible").first
        workspace = re.sub(r"\W", "-", relative_path) + "-" + secrets.token_hex(4)
        url = f"{server.url}/lab/workspaces/{workspace}/tree/{relative_path}?token={server.token}"
        page.goto(url, timeout=timeout * 1000)
        self.panel.wait_for(state="visible", timeout=timeout * 1000)
        wait_for(self.kernel_ready, timeout, "the kernel to be connected and idle (status bar '... | Idle')", 0.2)
        self.menu("View", "Show Log Console")
        page.locator(".jp-LogConsolePanel").wait_for(state="visible")

    def evaluate(self, script):
        return self.page.evaluate(script, self.panel.element_handle())

    def menu(self, menu, item):
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
        self.page.locator(".lm-Menu-itemLabel:visible", has_text=re.compile(f"^{item}$")).click()

    def kernel_ready(self):
        # The status bar: "No Kernel | Initializing", "Python 3 (ipykernel) | Connecting", "... | Idle".
        status = self.page.locator(".jp-StatusBar-TextItem", has_text=" | ").first.text_content() or ""
        return status.endswith("| Idle") and not status.startswith("No Kernel")

    def problems(self):
        """Error outputs in the cells and tracebacks in the Log Console (e.g. a slider callback that raised)."""
        entries = self.page.locator(".jp-LogConsolePanel .jp-OutputArea-output").all_inner_texts()
        return self.evaluate(ERRORS_JS) + [entry.strip()[-1500:] for entry in entries if "Traceback" in entry]

    def run_all(self, timeout):
        """Run -> Run All Cells; wait until no cell is queued and the kernel is idle; assert every cell ran cleanly."""
        for attempt in (1, 2):  # every code cell turns [*] at once; if none did, the command went nowhere
            self.panel.locator(".jp-Notebook").click(position={"x": 5, "y": 5})  # focus the notebook, not an editor
            self.menu("Run", "Run All Cells")
            with contextlib.suppress(TimeoutError):
                wait_for(lambda: any(re.search(r"\[(\*|\d+)\]", p) for p in self.evaluate(PROMPTS_JS)), 10, "Run All")
                break
            assert attempt == 1, f"{self.path}: Run All did not start"

        def unfinished():  # not "every cell numbered": Run All stops at a cell that raises, the rest stay [ ]
            return [f"code cell {i} {p}" for i, p in enumerate(self.evaluate(PROMPTS_JS)) if not re.match(r"\[\d", p)]

        wait_for(lambda: self.kernel_ready() and not any("*" in p for p in unfinished()), timeout, "the end", 0.25)
        errors = "\n".join(self.evaluate(ERRORS_JS))
        assert not unfinished() and not errors, f"{self.path}: Run All did not finish cleanly: {unfinished()}\n{errors}"

    def wait_quiet(self, timeout, settle=0.5):
        """Wait until the kernel is idle and the outputs are the same ``settle`` s apart (redraws done)."""
        last = [None]

        def quiet():
            snapshot, last[0] = last[0], self.evaluate(SNAPSHOT_JS) if self.kernel_ready() else None
            return last[0] is not None and last[0] == snapshot

        wait_for(quiet, timeout, "the outputs to settle (kernel idle, no redraw pending)", settle)

    def move_slider(self, slider, timeout, presses=3):
        """Focus the slider's handle, press ArrowRight (ArrowLeft at the right end) -> (old, new) value shown."""
        handle, readout = slider.locator(".noUi-handle").first, slider.locator(".widget-readout")  # range: 1st handle

        def shown():  # the readout when there is one, else the handle's aria value (log sliders: the exponent)
            return (readout.first.text_content() if readout.count() else None) or handle.get_attribute("aria-valuenow")

        before = shown()
        handle.scroll_into_view_if_needed()
        handle.focus()
        for key in ("ArrowRight", "ArrowLeft"):
            for _ in range(presses):
                self.page.keyboard.press(key)
            with contextlib.suppress(TimeoutError):  # else at this end of the range: go the other way
                wait_for(lambda: shown() != before, timeout / 2, "the slider to move", 0.05)
                return before, shown()
        raise AssertionError(f"the slider did not move with the keyboard (it stayed at {before!r})")


def describe_change(before, after):
    """Which cells' outputs differ between two snapshots -> e.g. ['cell 3: image', 'cell 3: text']."""
    changes = []
    for old, new in zip(before, after):  # noqa: B905 (a cell added or removed is reported below)
        changes += [f"cell {new['cell']}: image"] * (old["images"] != new["images"])
        changes += [f"cell {new['cell']}: text"] * (old["text"] != new["text"])
    return changes + ["number of cells"] * (len(before) != len(after))


def exercise_sliders(page, server, relative_path, run_timeout, redraw_timeout):
    """Open, Run All, then move every slider; assert each one changes an output and nothing errs -> one line each."""
    notebook = LabNotebook(page, server, relative_path)
    notebook.run_all(run_timeout)
    sliders = notebook.panel.locator(".jupyter-widgets.widget-slider")  # ipywidgets 8, in document order
    wait_for(sliders.count, redraw_timeout, f"a slider to render in {relative_path} (.widget-slider)")
    moved = []
    for index in range(sliders.count()):
        slider = sliders.nth(index)
        name = (slider.locator(".widget-label").first.text_content() or "").strip() or f"slider {index}"
        notebook.wait_quiet(redraw_timeout)
        before = notebook.evaluate(SNAPSHOT_JS)
        # A figure in the slider's own cell must change (a stale one is the bug nbval cannot see); else any output.
        cell = slider.evaluate(CELL_INDEX_JS, notebook.panel.element_handle())
        needed = f"cell {cell}: image" if any(p["cell"] == cell and p["images"] for p in before) else None
        old, new = notebook.move_slider(slider, redraw_timeout)

        def reaction(before=before, needed=needed):  # the first of: an error, or the needed change
            changes = describe_change(before, notebook.evaluate(SNAPSHOT_JS))
            return notebook.problems() or (changes if changes and (needed is None or needed in changes) else None)

        try:
            reacted = wait_for(reaction, redraw_timeout, "an output to change")
        except TimeoutError:
            changed = ", ".join(describe_change(before, notebook.evaluate(SNAPSHOT_JS))) or "nothing"
            what = f"the figure in its cell ({cell})" if needed else "no output (figure or printed text)"
            raise AssertionError(
                f"{relative_path}: slider {name!r} moved {old} -> {new} but {what} did not change within "
                f"{redraw_timeout:g} s (changed: {changed}): its callback does not redraw (or prints outside an Output)"
            ) from None
        notebook.wait_quiet(redraw_timeout)  # let the callback finish: it may redraw, then raise
        problems = "\n".join(notebook.problems())
        assert not problems, f"{relative_path}: moving slider {name!r} {old} -> {new} gave an error:\n{problems}"
        moved.append(f"{name}: {old} -> {new} changed {', '.join(reacted)}")
    return moved
