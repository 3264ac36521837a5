"""How far apart do other seeds put the points the cache tests retrain? The basis of their "other CPU" tolerances.

Run from the checkout:  .venv/bin/python tests/seed_spread.py  [--seeds 4]   (about 3 minutes on 2 cores)

A committed cache was computed on one kind of CPU (helpers.cache.made_on). Retrained on
the same kind, a point comes back bit for bit. On another kind (Intel AMX instead of AMD's
AVX-512 BF16, say) oneDNN runs other kernels, the rounding differs in the last bits, and
training carries the network about as far as another seed would. So the tests in
tests/test_weight_sweep.py, test_experiment.py and test_tuning.py compare with
their tight tolerance on the same kind of CPU and, elsewhere, with a tolerance no
tighter than the largest difference between two seeds that this script prints.

Not collected by pytest (the file name does not start with ``test_``).
"""

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def largest_gap(values, relative=False):
    """Largest difference between two of ``values`` (arrays of one shape), elementwise max -> float."""
    arrays = [np.asarray(v, dtype=float) for v in values]
    gaps = [np.abs(a - b) / (np.abs(b) if relative else 1.0) for a, b in itertools.permutations(arrays, 2)]
    return float(max(g.max() for g in gaps))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tests/seed_spread.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=4, help="seeds 0..N-1 (default 4)")
    seeds = range(parser.parse_args(argv).seeds)

    from helpers.notebook import setup_notebook

    setup_notebook(seed=0)
    from helpers.cache import cache_dir, load_arrays
    from helpers.data import load_dataset
    from helpers.experiment import make_config, run_experiment
    from helpers.weight_sweep import train_runs, run_weight_sweep

    data_1000 = load_dataset("mnist-5k", n_train=1000)
    report = {}

    # tests/test_weight_sweep.py: the L1(1e-4) point of lesson 02's sweep, and its run without a penalty.
    sweeps = [run_weight_sweep(data_1000, [1e-4], ("l1",), num_epochs=12, seed=s) for s in seeds]
    report["lesson02 sweep, L1(1e-4): test accuracy"] = largest_gap([s["test_accuracy"][1] for s in sweeps])
    report["lesson02 sweep, L1(1e-4): val accuracy"] = largest_gap([s["val_accuracy"][1] for s in sweeps])
    report["lesson02 sweep, L1(1e-4): sparsity fractions"] = largest_gap([s["sparsity"][1] for s in sweeps])
    report["lesson02 sweep, L1(1e-4): norms (relative)"] = largest_gap([s["norms"][1] for s in sweeps], relative=True)
    report["lesson02 sweep, no penalty: test accuracy"] = largest_gap([s["test_accuracy"][0] for s in sweeps])

    # tests/test_weight_sweep.py: the proximal (Adam rule) model of lesson 02's models cache.
    _, record = load_arrays(cache_dir() / "lesson02_models.npz")
    spec = {"prox_adam": record["config"]["specs"]["prox_adam"]}
    models = [train_runs(data_1000, spec, num_epochs=record["config"]["num_epochs"], seed=s) for s in seeds]
    layers = [key.split("__", 1)[1] for key in models[0] if key.startswith("prox_adam__")]
    report["lesson02 proximal model: test accuracy"] = largest_gap([m["test_accuracy"][0] for m in models])
    report["lesson02 proximal model: zero fraction per layer"] = largest_gap(
        [[np.mean(m[f"prox_adam__{layer}"] == 0) for layer in layers] for m in models])
    report["lesson02 proximal model: norm per layer (relative)"] = largest_gap(
        [[np.linalg.norm(m[f"prox_adam__{layer}"]) for layer in layers] for m in models], relative=True)

    # tests/test_experiment.py: the strongest L2 point of lesson 03's sweep.
    arrays, record = load_arrays(cache_dir() / "lesson03_sweep.npz")
    strongest = max(record["config"]["penalties"], key=lambda p: p["l2_strength"])
    points = [run_experiment(make_config(record["config"], penalties=[strongest], seeds=[s]), log=None)["runs"][0]
              for s in seeds]
    report["lesson03 strongest L2: test accuracy"] = largest_gap([p["test"]["accuracy"] for p in points])
    report["lesson03 strongest L2: val data loss per epoch (relative)"] = largest_gap(
        [p["history"]["val_data_loss"] for p in points], relative=True)

    width = max(map(len, report))
    print(f"Largest difference between two of seeds {list(seeds)} (this CPU):")
    for name, value in report.items():
        print(f"  {name:<{width}}  {value:.4f}")
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
