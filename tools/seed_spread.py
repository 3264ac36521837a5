"""How far apart do other seeds put the points that tests/test_published_results.py retrains?

Run from the checkout:  .venv/bin/python tools/seed_spread.py  [--seeds 4] [--only NAME,...]
(every point on 4 seeds: roughly half an hour on 2 idle cores, an hour on busy ones)

Retrained on another CPU (or with oneDNN capped at AVX2), a published result's numbers differ in their last
bits and training carries a network about as far as another seed would. So the slow test's tolerance for
each value must be no tighter than the largest difference between two seeds: this script retrains each
point with the test's own functions (``POINTS``) in float32 on seeds 0..N-1, and prints that largest
difference, 1.5x it, the test's tolerance (flagged where it is tighter than 1.5x), and how far this
machine's retrained first seed is from the published number. A maintainer's script, outside the test suite.
"""

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]


def largest_gap(values, relative=False):
    """Largest difference between two of ``values`` (arrays of one shape), elementwise max -> float.

    ``relative``: as ``assert_allclose(actual, desired, rtol)`` measures it, ``|actual - desired| / |desired|``.
    """
    arrays = [np.asarray(v, dtype=float) for v in values]
    pairs = itertools.permutations(arrays, 2)
    gaps = [np.abs(a - b) / (np.maximum(np.abs(b), 1e-12) if relative else 1.0) for a, b in pairs]
    return float(max(gap.max() for gap in gaps))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tools/seed_spread.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=4, help="seeds 0..N-1 (default 4)")
    parser.add_argument("--only", help="comma-separated published result names (default: all)")
    args = parser.parse_args(argv)
    if args.seeds < 2:
        parser.error("--seeds must be at least 2: a spread needs two seeds")

    from helpers.notebook import setup_notebook

    setup_notebook(seed=0)  # deterministic ops, as the tests and the lessons compute
    import keras
    from test_published_results import POINTS, RELATIVE, TOLERANCES, published

    policy = keras.mixed_precision.global_policy().name
    if policy != "float32":
        raise SystemExit(f"the tolerances are for float32; this process computes in {policy}")
    names = args.only.split(",") if args.only else list(POINTS)
    unknown = sorted(set(names) - set(POINTS))
    if unknown:
        parser.error(f"no retrained point for {', '.join(unknown)}; there are: {', '.join(POINTS)}")
    too_tight = []
    print(f"Seeds 0-{args.seeds - 1}, float32: the largest gap between two seeds, 1.5x it, the test's tolerance,")
    print("and this machine's first seed vs the published number (relative where the test is relative):")
    for name in names:
        arrays, config = published(name)
        runs = [POINTS[name](arrays, config, seed) for seed in range(args.seeds)]
        fresh, stored = [found for found, _ in runs], runs[0][1]
        for quantity, tolerance in TOLERANCES[name].items():
            relative = quantity in RELATIVE
            gap = largest_gap([found[quantity] for found in fresh], relative)
            published_gap = largest_gap([fresh[0][quantity], stored[quantity]], relative)
            flag = "  <- tighter than 1.5x" if tolerance < 1.5 * gap else ""
            too_tight += [f"{name}: {quantity}"] if flag else []
            label = quantity + (" (relative)" if relative else "")
            print(
                f"  {name:<26}{label[:58]:<60}{gap:8.4f}{1.5 * gap:8.4f}{tolerance:8.4f}{published_gap:9.4f}{flag}",
                flush=True,
            )
    if too_tight:
        print("Tighter than 1.5x the seed spread:", "; ".join(too_tight))
    return 1 if too_tight else 0


if __name__ == "__main__":
    sys.exit(main())
