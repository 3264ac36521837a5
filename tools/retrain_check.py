"""Retrain one published result here, as a learner would, and print its published and retrained numbers side by side.

Run from the checkout:  .venv/bin/python tools/retrain_check.py NAME [--cpu native|avx2]   (NAME: see --help).
Retrained through the lesson's own helper for the configuration its record names, COURSE_RETRAIN=yes, into
a temporary cache folder (never published/), in float32 on this CPU's own instructions or (``--cpu avx2``:
a subprocess with ONEDNN_MAX_CPU_ISA=AVX2) as a laptop without AVX-512 computes. Expect differences of
about the spread between seeds (tools/seed_spread.py), not zero. A maintainer's script, outside the tests.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def retrain(name, c):
    """Retrain result ``name`` for its recorded configuration ``c`` through the lesson's own helper."""
    from helpers import experiment as ex
    from helpers import lesson03_weights_and_sparsity as l3
    from helpers import lesson05_other_regularizers as l5
    from helpers import lesson06_structured_sparsity as l6
    from helpers.penalties import Penalty
    from helpers.published import published_or_trained

    if name == "lesson02_stopping":
        from helpers.lesson02_cnn_penalties import published_stopping_study

        return published_stopping_study(c, c["monitor_size"])
    if name.startswith("lesson02"):
        return ex.published_experiment(name, c)
    if name == "lesson03_weight_sweep":
        return l3.published_weight_sweep(c["regime"], c["strengths"], keep={n: tuple(v) for n, v in c["keep"].items()})
    if name == "lesson03_models":
        return l3.published_models(c["regime"], c["specs"])
    if name == "lesson04_cv_grid":  # the lesson writes its loop itself: run it (it reads lesson 02's, trains only this)
        import nbformat
        from nbclient import NotebookClient

        lesson, folder = nbformat.read(REPO / "notebooks/04_choosing_lambda.ipynb", 4), str(REPO / "notebooks")
        return NotebookClient(lesson, timeout=None, resources={"metadata": {"path": folder}}).execute()
    if name.startswith("lesson05"):
        return published_or_trained(name, c, lambda: l5.variant_table(ex.experiment_data(c), c))
    if name.startswith("lesson06_group_lasso"):
        rest = (c["weighting"], *c["fine_tune"], c["keep_weights"])
        return l6.published_group_lasso_sweep(c["regime"], c["strengths"], *rest)
    if name == "lesson06_from_scratch":
        return l6.published_from_scratch(c["regime"], np.array(c["widths"]), c["epochs"])
    if name == "lesson06_pruning":
        penalties = {n: Penalty(*strengths) for n, strengths in c["penalties"].items()}
        return l6.published_pruning_study(c["regime"], penalties, c["sparsities"], *c["fine_tune"])
    raise SystemExit(f"no retraining known for {name!r}")


def numbers(arrays):
    """The small numeric arrays of a result (a lesson 02 result: each run's accuracies) -> {label: flat array}."""
    if "monitor_accuracy" in arrays:  # lesson 02's stopping study: each network and seed after 20 epochs
        return {key: arrays[key][:, :, -1].ravel() for key in ("test_accuracy", "wrong_fitted", "monitor_accuracy")}
    if "results_json" in arrays:
        runs = json.loads(str(arrays["results_json"]))["runs"]
        return {f"{split} accuracy": np.array([r[split]["accuracy"] for r in runs]) for split in ("test", "val")}
    return {k: v.ravel() for k, v in arrays.items() if "__" not in k and v.dtype.kind in "fiu" and 1 < v.size <= 200}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tools/retrain_check.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="a published/ file without .npz, e.g. lesson03_models (the cheapest: minutes)")
    parser.add_argument("--cpu", choices=("native", "avx2"), default="native", help="oneDNN as is, or capped at AVX2")
    args = parser.parse_args(argv)
    if args.cpu == "avx2" and os.environ.get("ONEDNN_MAX_CPU_ISA") != "AVX2":  # read when TensorFlow starts
        command = [sys.executable, __file__, *(argv if argv is not None else sys.argv[1:])]
        return subprocess.run(command, env={**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2"}).returncode
    with tempfile.TemporaryDirectory(prefix="retrain-check-") as cache:
        os.environ.update(COURSE_CACHE_DIR=cache, COURSE_RETRAIN="yes")
        from helpers.notebook import setup_notebook
        from helpers.published import PUBLISHED_DIR, _canonical, _read

        setup_notebook()
        stored, record = _read(PUBLISHED_DIR / f"{args.name}.npz", args.name)
        retrain(args.name, record["key"]["config"])
        fresh, made = _read(next(Path(cache).glob(f"{args.name}-*.npz")), args.name)
        assert _canonical(made["key"]) == _canonical(record["key"]), "retrained another configuration than published"
    print(f"{args.name}: published ({record['provenance']['cpu']['cpu']}) vs retrained here ({args.cpu}, float32)")
    for (label, old), new in zip(numbers(stored).items(), numbers(fresh).values(), strict=True):
        gap = np.abs(new.astype(float) - old).max()
        print(f"  {label:<26} largest difference {gap:.4f}\n    {np.round(old, 3)}\n    {np.round(new, 3)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
