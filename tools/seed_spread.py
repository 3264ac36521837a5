"""How far apart do other seeds put the points that tests/test_published_results.py retrains?

Run from the checkout:  .venv/bin/python tools/seed_spread.py  [--seeds 4] [--only NAME,...]
(about 6 minutes on 2 cores with the bfloat16 fast path)

A published result was computed on one kind of CPU in one arithmetic. Retrained the same
way, a point comes back bit for bit. Retrained otherwise (Intel AMX instead of AMD's
AVX-512 BF16, float32 instead of bfloat16) the rounding differs in the last bits and
training carries the network about as far as another seed would. So the test's
tolerance "elsewhere" must be no tighter than the largest difference between two seeds:
this script retrains each point with the test's own functions on seeds 0..N-1, prints
that largest difference and 1.5x it, and says where the test's table is tighter.

A maintainer's script in tools/, outside the test suite.
"""

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))


def largest_gap(values, relative=False):
    """Largest difference between two of ``values`` (arrays of one shape), elementwise max -> float."""
    arrays = [np.asarray(v, dtype=float) for v in values]
    gaps = [np.abs(a - b) / (np.abs(b) if relative else 1.0) for a, b in itertools.permutations(arrays, 2)]
    return float(max(g.max() for g in gaps))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tools/seed_spread.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=4, help="seeds 0..N-1 (default 4)")
    parser.add_argument("--only", help="comma-separated published result names (default: all)")
    args = parser.parse_args(argv)

    from helpers.notebook import setup_notebook

    setup_notebook(seed=0)
    from test_published_results import POINTS, TOLERANCES, load_published

    names = args.only.split(",") if args.only else sorted(POINTS)
    too_tight = []
    print(f"Largest difference between two of seeds 0-{args.seeds - 1} (this machine), 1.5x it, the test's tolerance:")
    for name in names:
        stored, config, _ = load_published(name)
        fresh = [POINTS[name](stored, config, seed)[0] for seed in range(args.seeds)]
        for quantity, (_, tolerance, relative) in TOLERANCES[name].items():
            gap = largest_gap([f[quantity] for f in fresh], relative=relative)
            flag = "  <- tighter than 1.5x" if tolerance < 1.5 * gap else ""
            too_tight += [f"{name}: {quantity}"] if flag else []
            unit = " (relative)" if relative else ""
            print(f"  {name:<24} {quantity + unit:<40} {gap:8.4f} {1.5 * gap:8.4f} {tolerance:8.4f}{flag}", flush=True)
    if too_tight:
        print("Tighter than 1.5x the seed spread:", "; ".join(too_tight))
    return 1 if too_tight else 0


if __name__ == "__main__":
    sys.exit(main())
