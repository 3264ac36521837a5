"""The course's benchmarks: one command, one report (report.md and report.json) with a goals table.

    ONEDNN_MAX_CPU_ISA=AVX2 .venv/bin/python benchmarks/run.py          # the full run -> benchmarks/report/
    ONEDNN_MAX_CPU_ISA=AVX2 .venv/bin/python benchmarks/run.py --bfloat16   # also in bfloat16 (native CPUs only)
    .venv/bin/python benchmarks/run.py --quick --out /tmp/bench        # tiny sizes: checks the harness in minutes
    .venv/bin/python benchmarks/run.py --only lesson06 --out /tmp/bench

Sections: ``sweep`` (one seed's train_cnn; lesson 02's sweep side by side vs one by one) and ``mainjob``
(``python -m helpers`` vs its runs one by one; the quick start) in benchmarks/training.py; ``lessons`` (each
lesson's open time, its sliders' latency) and ``lesson06`` (the speed claims of lesson 06's prose) in
benchmarks/lessons.py. Everything runs laptop-like, float32 with oneDNN capped at AVX2, each way of training in
a fresh process; ``--bfloat16`` runs ``sweep`` and ``mainjob`` again in bfloat16 without the cap, and is refused
where the CPU has no native bfloat16 (``python -m helpers --bfloat16``'s rule). Benchmarks, not tests: nothing
fails on a slow machine; figures are medians of alternating repeats, and every ratio comes from the same run.
"""

import argparse
import contextlib
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # helpers from this checkout, installed or not
REPORT_NAME = "benchmarks/report"  # the full run's report folder; --quick and --only write elsewhere
REPORT = REPO / REPORT_NAME
SECTIONS = {"sweep": "training", "mainjob": "training", "lessons": "lessons", "lesson06": "lessons"}
BFLOAT16_SECTIONS = ("sweep", "mainjob")
LAPTOP = {"ONEDNN_MAX_CPU_ISA": "AVX2"}
# The goals (None: measured, no goal): speed-ups in ×, a lesson's open time in s, a slider's move in ms.
# Side by side is held to the rule every kept speed feature meets (docs/speed.md): at least 10 %. Version 2's
# 3× and 2× measured its private fast path together with side by side, and went with that path.
GOALS = {
    "sweep float32": 1.1,
    "sweep bfloat16": 1.1,
    "mainjob float32": 1.1,
    "mainjob bfloat16": 1.1,
    "lesson seconds": 30.0,
    "slider ms": 30.0,
    "dense vs L1 band": 0.30,  # L1's scattered zeros: dense's time within ±30 %
    "narrowed speed-up": 1.3,  # λ = 0.3's narrower net at 256 images
}
VERDICTS = {True: "met", False: "**not met**", None: "–"}


def log(line):
    print(line, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ judging against the goals (pure)


def judged(what, value, goal=None, met=None):
    """One row of the goals table: ``value`` and ``goal`` as text, ``met`` True, False or None (no goal)."""
    return {"what": what, "value": value, "goal": goal, "met": met}


def at_least(what, ratio, goal):
    """A speed-up ``ratio`` against a goal of at least ``goal``× (None: no goal). NaN never meets a goal."""
    if goal is None:
        return judged(what, f"{ratio:.2f}×")
    return judged(what, f"{ratio:.2f}×", f"≥ {goal:g}×", bool(ratio >= goal))


def at_most(what, value, goal, unit):
    """A time ``value`` against a goal of at most ``goal`` (in ``unit``)."""
    return judged(what, f"{value:.1f} {unit}", f"≤ {goal:g} {unit}", bool(value <= goal))


def speedup(slow, fast):
    """Median of the slow way's times / median of the fast way's: how many times faster the fast way is."""
    return statistics.median(slow) / statistics.median(fast)


def arithmetic_figures(sections):
    """bfloat16 against float32, from the same run: each way's median time in float32 / in bfloat16."""
    figures = []
    for name, way in (("sweep", "side by side"), ("mainjob", "main job")):
        single, half = sections.get(name, {}), sections.get(f"{name} bfloat16", {})
        if "seconds" in single and "seconds" in half:
            ratio = speedup(single["seconds"][way], half["seconds"][way])
            figures.append(at_least(f"{name}, {way}: float32 time / bfloat16 time", ratio, None))
    return figures


# ------------------------------------------------------------------ processes


def environment(bfloat16=False):
    """The environment of a measured process: laptop-like (float32, oneDNN capped at AVX2), or uncapped."""
    variables = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    variables.pop("ONEDNN_MAX_CPU_ISA", None)
    return variables if bfloat16 else {**variables, **LAPTOP}


def fresh(script, worker, bfloat16=False, **kwargs):
    """``worker(bfloat16=..., **kwargs)`` of ``script``'s WORKERS in a fresh process -> (its JSON, wall seconds)."""
    command = [sys.executable, str(script), worker, json.dumps({"bfloat16": bfloat16, **kwargs})]
    clock = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=environment(bfloat16))
    wall = time.perf_counter() - clock
    found = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not found:
        raise RuntimeError(f"{worker}({kwargs}) failed, exit code {done.returncode}: {done.stderr[-2000:]}")
    return json.loads(found[-1].removeprefix("RESULT ")), wall


def worker_main(workers):
    """The entry of a section module run as ``python <module>.py WORKER JSON``: prints ``RESULT <json>``."""
    name, kwargs = sys.argv[1], json.loads(sys.argv[2])
    print("RESULT " + json.dumps(workers[name](**kwargs)), flush=True)


def bfloat16_refusal():
    """Why this CPU cannot run the bfloat16 sections (helpers' rule, ignoring the benchmark's own AVX2 cap), or None."""
    from helpers.__main__ import why_no_bfloat16

    saved = os.environ.pop("ONEDNN_MAX_CPU_ISA", None)  # the float32 sections' cap, not the CPU's limit
    try:
        return why_no_bfloat16()
    finally:
        if saved is not None:
            os.environ["ONEDNN_MAX_CPU_ISA"] = saved


def machine():
    from helpers._machine import cpu_flags, cpu_name

    versions = {"python": platform.python_version()}
    for package in ("tensorflow", "tensorflow-cpu", "keras", "numpy"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return {
        "cpu": cpu_name(),
        "logical_cpus": os.cpu_count(),
        "instruction_sets": sorted(cpu_flags() & {"avx2", "avx512f", "avx512_bf16", "amx_bf16"}),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
    }


# ------------------------------------------------------------------ the report


def goal_rows(report):
    """Every section's figures with their section's name, failed sections included -> the goals table's rows."""
    rows = []
    for key, section in report["sections"].items():
        if "error" in section:
            rows.append({"section": key, **judged("the section failed", section["error"][:300], None, False)})
        rows += [{"section": key, **row} for row in section.get("figures", [])]
    return rows


def markdown(report):
    computer = report["machine"]
    versions = ", ".join(f"{name} {version}" for name, version in computer["versions"].items())
    lines = [
        f"# Benchmarks, {report['date']}",
        "",
        f"Machine: {computer['cpu']}, {computer['logical_cpus']} logical CPUs "
        f"({', '.join(computer['instruction_sets']) or 'no AVX2'}; load average at start "
        f"{computer['load_average_at_start'][0]}); {versions}. Command: `{report['command']}`.",
        "",
        "Laptop-like: float32, `" + " ".join(f"{k}={v}" for k, v in LAPTOP.items()) + "`, unless a row says "
        f"bfloat16 (bfloat16: {report['bfloat16']}). Every ratio comes from this run.",
        "",
    ]
    if report["quick"]:
        lines += ["**--quick**: tiny sizes; these figures check the harness, they are not the course's speed.", ""]
    lines += ["## Goals", "", "| section | what | measured | goal | verdict |", "|---|---|---|---|---|"]
    for row in goal_rows(report):
        cells = [row["section"], row["what"], row["value"], row["goal"] or "–", VERDICTS[row["met"]]]
        lines.append("| " + " | ".join(str(cell).replace("|", "/") for cell in cells) + " |")
    for key, section in report["sections"].items():
        lines += ["", f"## {section.get('title', key)}", "", *section.get("lines", [section.get("error", "")])]
    return "\n".join(lines) + "\n"


def run_section(name, quick, bfloat16):
    """One section -> its results (``{"error": ...}`` if it failed: the others still run)."""
    module = __import__(SECTIONS[name])
    try:
        return getattr(module, name)(quick=quick, bfloat16=bfloat16)
    except Exception as error:  # a benchmark reports a failure and goes on
        log(f"  {name} failed: {error}")
        return {"title": name, "error": f"{type(error).__name__}: {error}"}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help=f"comma-separated sections (default all: {','.join(SECTIONS)})")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, 1 epoch: checks the harness in minutes")
    parser.add_argument("--bfloat16", action="store_true", help="also sweep and mainjob in bfloat16 (native CPUs)")
    parser.add_argument("--out", help=f"output folder (default: {REPORT_NAME} for the full run only)")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in (args.only or ",".join(SECTIONS)).split(",") if name.strip()]
    if not chosen or set(chosen) - set(SECTIONS):
        parser.error(f"--only: choose from {', '.join(SECTIONS)}, got {args.only!r}")
    if not args.out and (args.quick or args.only):
        parser.error(f"--quick and --only need --out: {REPORT_NAME} holds the full run's report only")
    if args.bfloat16 and (refusal := bfloat16_refusal()):
        print(f"benchmarks/run.py: error: --bfloat16: {refusal}; leave --bfloat16 out.", file=sys.stderr)
        return 2
    out = Path(args.out or REPORT)
    cache = tempfile.TemporaryDirectory(prefix="course-bench-cache-")
    # Inherited by every measured process and lesson kernel: published results only, laptop-like arithmetic.
    os.environ.update({"COURSE_RETRAIN": "no", "COURSE_CACHE_DIR": cache.name, **LAPTOP})
    report = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": shlex.join(["benchmarks/run.py", *argv]),
        "quick": args.quick,
        "machine": machine(),
        "bfloat16": "ran" if args.bfloat16 else "not asked (--bfloat16)",
        "environment": LAPTOP,
        "sections": {},
    }
    for name in chosen:
        for in_bfloat16 in (False, True) if args.bfloat16 and name in BFLOAT16_SECTIONS else (False,):
            log(f"[{name}{', bfloat16' if in_bfloat16 else ''}]")
            report["sections"][name + " bfloat16" * in_bfloat16] = run_section(name, args.quick, in_bfloat16)
    if args.bfloat16:
        report["sections"]["bfloat16"] = {
            "title": "bfloat16 against float32",
            "figures": arithmetic_figures(report["sections"]),
            "lines": ["Each way's median time in float32 (capped at AVX2) / in bfloat16 (uncapped), this run."],
        }
    cache.cleanup()
    report["goals"] = goal_rows(report)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "report.md").write_text(markdown(report), encoding="utf-8")
    log(f"wrote {out / 'report.md'} and {out / 'report.json'}")
    return 1 if any("error" in section for section in report["sections"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
