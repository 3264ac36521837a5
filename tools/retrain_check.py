"""Do the lessons' claims survive retraining? Run the CNN lessons retraining their results and list every failing check.

Run from the checkout:  .venv/bin/python tools/retrain_check.py  [--cpu native|avx2] [--keep DIR]

The test suite runs each lesson on its published results, so their checks see the numbers
computed on one kind of CPU. A learner who retrains (``COURSE_RETRAIN=yes``, an exercise, a
changed configuration) gets the numbers of their own CPU, and every claim must still hold.
This script is that learner: it runs lessons 02-06 in fresh kernels with ``COURSE_RETRAIN=yes``
and an empty user cache, in float32 as the lessons always compute (``COURSE_FAST_PATH=off``),
on this CPU's own instructions or (``--cpu avx2``: ``ONEDNN_MAX_CPU_ISA=AVX2``) as a laptop
without AVX-512 computes; it lets the notebooks run past a failing cell and prints each cell
that raised. Exit code 0 when none did.

About 27 minutes on 2 cores in float32 (lesson 06 alone 17). A maintainer's script, outside the test suite; it
never writes into the checkout (outputs go to a temporary folder, or ``--keep DIR``).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LESSONS = (
    "02_cnn_penalties",
    "03_weights_and_sparsity",
    "04_choosing_lambda",
    "05_weight_decay_and_other_regularizers",
    "06_structured_sparsity",
)


def failing_cells(notebook):
    """(code cell number, exception name, first line of its message) for every cell that raised."""
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    return [
        (number, output.ename, (str(output.evalue).strip().splitlines() or [""])[0])
        for number, cell in enumerate(cells)
        for output in cell.outputs
        if output.output_type == "error"
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tools/retrain_check.py", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--cpu",
        choices=("native", "avx2"),
        default="native",
        help="this CPU's own instructions (default) or oneDNN limited to AVX2, as on most laptops",
    )
    parser.add_argument("--keep", help="folder for the executed notebooks and caches (default: a temporary one)")
    parser.add_argument("--lessons", default=",".join(LESSONS), help=f"comma-separated (default {','.join(LESSONS)})")
    args = parser.parse_args(argv)
    import nbformat
    from nbclient import NotebookClient

    out = Path(args.keep or tempfile.mkdtemp(prefix="retrain-check-"))
    (out / "cache").mkdir(parents=True, exist_ok=True)
    os.environ["COURSE_CACHE_DIR"] = str(out / "cache")  # the kernels inherit both: every result is trained
    os.environ["COURSE_RETRAIN"] = "yes"
    os.environ["COURSE_FAST_PATH"] = "off"
    if args.cpu == "avx2":
        os.environ["ONEDNN_MAX_CPU_ISA"] = "AVX2"  # read when TensorFlow starts in each kernel
    failures = 0
    for lesson in args.lessons.split(","):
        notebook = nbformat.read(REPO / "notebooks" / f"{lesson}.ipynb", as_version=4)
        start = time.perf_counter()
        NotebookClient(
            notebook,
            timeout=None,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(REPO / "notebooks")}},
        ).execute()
        nbformat.write(notebook, out / f"{lesson}.ipynb")
        found = failing_cells(notebook)
        failures += len(found)
        print(f"{lesson}: {time.perf_counter() - start:.0f} s, {len(found)} failing cell(s)", flush=True)
        for number, name, message in found:
            print(f"  cell {number}: {name}: {message}")
    print(f"float32, {args.cpu} CPU: {failures} failing cell(s); executed notebooks and caches in {out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
