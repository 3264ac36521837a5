"""Mutation check: break the teaching math one small change at a time; a unit test must fail each time.

Run from anywhere:  python tools/mutation_check.py  [-j JOBS] [name substring ...]

It copies helpers/, tests/ and pyproject.toml to a temporary folder: the working tree is never touched, so tests
run meanwhile see the real code. A baseline run first proves that the named unit tests pass on the unchanged copy
(and that the copy's helpers are the ones imported). Then for each row of MUTATIONS it checks that the original
snippet occurs exactly once in its file, puts the mutated one in its place, runs the row's unit tests (no
notebooks, no nbval) and restores the file: "killed" when a test fails, "SURVIVED" when all pass.
Exit code 0 when every mutation is killed; 1 when one survives, a snippet is missing or the baseline fails.
"""

import argparse
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
COPIED = ("helpers", "tests", "pyproject.toml")
PYTEST = ["-m", "pytest", "-n", "0", "-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:nbval"]
PYTEST += ["-x", "-q", "--no-header", "-o", "addopts="]  # only the named unit tests: no notebooks, no nbval


class Mutation(NamedTuple):
    name: str
    path: str  # under helpers/; its tests are in tests/test_<the same name>
    original: str  # must occur exactly once in that file
    mutated: str
    tests: str  # test functions (space-separated) in that test file


def rows(path, *table):
    return [Mutation(name, path, original, mutated, tests) for name, original, mutated, tests in table]


VALUE, GRADIENT = "test_value_equals_keras_regularizer", "test_gradient_equals_gradient_tape"
NUMPY_ST = "test_soft_threshold_on_numpy_zeroes_small_weights_and_shrinks_the_others"
TF_ST = "test_soft_threshold_on_tensorflow_tensors_and_variables_with_per_weight_thresholds"
ADAM_T = "test_the_adam_rules_threshold_is_adams_own_step_size_per_weight"
SHRINK = "test_group_shrink_is_the_group_soft_threshold"
SEED_TEXT = "test_seed_text_objectives_are_keras_objectives_up_to_a_factor"
SKLEARN = "test_convention_rows_values_give_sklearn_the_keras_ridge_and_lasso_minimizers"
NOISE = "test_noise_is_no_clear_difference_whatever_the_sign_of_its_mean_and_the_text_says_so"
PAIRED, SPARSITY = "test_interval_agrees_with_scipys_paired_t_test", "test_sparsity_fractions_by_hand"
SUMMARY = "test_summarize_gives_each_penaltys_mean_spread_and_paired_interval"
NL = "\n               "  # the line break inside lesson 01's table of conventions

# fmt: off
MUTATIONS = rows(
    "penalties.py",
    ("value: drop the L1 term", "return self.l1_strength * l1 + ", "return 0 * l1 + ", VALUE),
    ("value: Σw² -> Σ|w|", "np.square(w).sum()", "np.abs(w).sum()", VALUE),
    ("gradient: drop L2's factor 2", "2.0 * self.l2_strength * weight", "self.l2_strength * weight", GRADIENT),
    ("gradient: flip L1's sign", "return self.l1_strength * np.sign", "return -self.l1_strength * np.sign", GRADIENT),
    ("keras_regularizer: L2 for an L1 penalty", "regularizers.L1(self.l1_strength)",
     "regularizers.L2(self.l1_strength)", VALUE),
    ("keras_regularizer: swap L1L2's strengths", "L1L2(l1=self.l1_strength, l2=self.l2_strength)",
     "L1L2(l1=self.l2_strength, l2=self.l1_strength)", VALUE),
    ("soft_threshold NumPy: shrink by 2t", 'np.abs(weight) - check_nonnegative("threshold", threshold)',
     'np.abs(weight) - 2 * check_nonnegative("threshold", threshold)', NUMPY_ST),
    ("soft_threshold NumPy: no zeroing", 'np.maximum(np.abs(weight) - check_nonnegative("threshold", threshold), 0.0)',
     '(np.abs(weight) - check_nonnegative("threshold", threshold))', NUMPY_ST),
    ("soft_threshold NumPy: sign lost", "return np.sign(weight) * np.maximum", "return np.maximum", NUMPY_ST),
    ("soft_threshold TF: shrink by 2t", "tf.abs(weight) - threshold", "tf.abs(weight) - 2 * threshold", TF_ST),
    ("soft_threshold TF: no zeroing", "tf.maximum(tf.abs(weight) - threshold, 0.0)", "(tf.abs(weight) - threshold)",
     TF_ST),
    ("ProximalL1 adam: drop the sqrt of v", "(tf.sqrt(velocity) + optimizer.epsilon)", "(velocity + optimizer.epsilon)",
     ADAM_T),
    ("ProximalL1 adam: drop the bias correction",
     "alpha = learning_rate * tf.sqrt(1.0 - optimizer.beta_2**step) / (1.0 - optimizer.beta_1**step)",
     "alpha = learning_rate", ADAM_T),
    ("ProximalL1 adam: step counted one too far", 'tf.cast(optimizer.iterations, "float32")',
     'tf.cast(optimizer.iterations + 1, "float32")', ADAM_T),
    ("ProximalL1 learning_rate: t without λ", "threshold = learning_rate * self.l1_strength",
     "threshold = learning_rate", "test_proximal_l1_with_sgd_and_the_learning_rate_rule_reaches_sklearn_lasso"),
) + rows(
    "lesson06_structured_sparsity.py",
    ("group_shrink: no zeroing (no max(0, ·))",
     "scale = tf.maximum(1.0 - threshold / tf.maximum(norms, keras.config.epsilon()), 0.0)",
     "scale = 1.0 - threshold / tf.maximum(norms, keras.config.epsilon())", SHRINK),
    ("group_shrink: t/‖g‖² (squared norm)", "norms = tf.sqrt(tf.reduce_sum(tf.square(kernel), axis=axes))",
     "norms = tf.reduce_sum(tf.square(kernel), axis=axes)", SHRINK),
    ("group_shrink: weight-wise soft threshold", "return kernel * scale",
     "return tf.sign(kernel) * tf.maximum(tf.abs(kernel) - threshold, 0.0)", SHRINK),
    ("group_norms: over the wrong axes", "np.sum(kernel**2, axis=tuple(range(kernel.ndim - 1)))",
     "np.sum(kernel**2, axis=tuple(range(1, kernel.ndim)))", "test_group_norms_are_the_norms_of_each_output_unit"),
    ("group_weights: size, not sqrt(size)", "float(np.sqrt(size * (", "float(size * np.sqrt((",
     "test_group_weights_are_root_size_times_root_relative_cost"),
) + rows(
    "lesson01_loss_formulas.py",
    ("λ seed_text L2: λ/(2m), the ½ forgotten", f'"λ/m",{NL}lambda v, n: v / n,',
     f'"λ/m",{NL}lambda v, n: v / (2 * n),', SEED_TEXT),
    ("λ seed_text L1: drop the factor 2", '"2λ", lambda v, n: 2 * v,', '"2λ", lambda v, n: v,', SEED_TEXT),
    ("λ seed_text CE L2: λ/m, not λ/(2m)", f'"λ/(2m)",{NL}lambda v, n: v / (2 * n),',
     f'"λ/(2m)",{NL}lambda v, n: v / n,', SEED_TEXT),
    ("λ from_keras seed_text L1: f·2, not f/2", '"2λ", lambda v, n: 2 * v, lambda f, n: f / 2)',
     '"2λ", lambda v, n: 2 * v, lambda f, n: f * 2)', "test_round_trip_for_every_convention"),
    ("λ sklearn Ridge: drop n", f'"α/n",{NL}lambda v, n: v / n, lambda f, n: f * n,',
     f'"α/n",{NL}lambda v, n: v, lambda f, n: f,', SKLEARN),
    ("λ sklearn Lasso: drop the factor 2", f'"2α",{NL}lambda v, n: 2 * v, lambda f, n: f / 2',
     f'"2α",{NL}lambda v, n: v, lambda f, n: f', SKLEARN),
    ("λ PyTorch weight decay: drop the factor 2", "lambda v, n: v / 2, lambda f, n: 2 * f",
     "lambda v, n: v, lambda f, n: f", "test_pytorch_weight_decay_gradient_equals_keras_l2_gradient"),
    ("λ LogisticRegression L2: 1/(nC), the ½ forgotten", "lambda f, n: 1 / (2 * f * n), needs_n",
     "lambda f, n: 1 / (f * n), needs_n", "test_sklearn_logistic_with_converted_c_gives_the_keras_minimizer"),
) + rows(
    "compare.py",
    ("paired_difference: unpaired SE", "differences.std(ddof=1) / math.sqrt(n)",
     "math.sqrt((baseline.var(ddof=1) + other.var(ddof=1)) / n)", PAIRED),
    ("paired_difference: z instead of t", "stats.t.ppf(0.975, n - 1)", "stats.norm.ppf(0.975)", PAIRED),
    ("paired_difference: ddof=0", "differences.std(ddof=1)", "differences.std(ddof=0)", PAIRED),
    ("paired_difference: t with n degrees of freedom", "stats.t.ppf(0.975, n - 1)", "stats.t.ppf(0.975, n)", PAIRED),
    ("paired_difference: a 90 % interval", "stats.t.ppf(0.975,", "stats.t.ppf(0.95,", PAIRED),
    ("verdict: higher by the mean, not the interval", "if self.low > 0:", "if self.mean > 0:", NOISE),
    ("verdict: lower by the mean, not the interval", "if self.high < 0:", "if self.mean < 0:", NOISE),
) + rows(
    "weights.py",
    ("sparsity: |w| <= t counted as small", "np.mean(magnitudes < t)", "np.mean(magnitudes <= t)", SPARSITY),
    ("sparsity: w, not |w|", "magnitudes = np.abs(np.ravel(values))", "magnitudes = np.ravel(values)", SPARSITY),
    ("sparsity: 'all' is the first layer only", "np.concatenate([np.ravel(w) for w in weights.values()])",
     "np.ravel(next(iter(weights.values())))", SPARSITY),
    ("kernels: the biases instead", "np.asarray(layer.kernel.numpy())", "np.asarray(layer.bias.numpy())",
     "test_kernels_are_the_five_kernel_matrices_without_biases"),
) + rows(
    "experiment.py",
    ("summarize: population std (ddof=0)", "test_accuracy.std(ddof=1)", "test_accuracy.std()", SUMMARY),
    ("summarize: the gain taken as first − this",
     'paired_difference(summary[0]["test_accuracy_values"], row["test_accuracy_values"])',
     'paired_difference(row["test_accuracy_values"], summary[0]["test_accuracy_values"])', SUMMARY),
)
# fmt: on


def node_ids(mutation):
    return [f"tests/test_{mutation.path}::{test}" for test in mutation.tests.split()]


def tests_source(copy, mutation):
    path = copy / "tests" / f"test_{mutation.path}"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def run_pytest(copy, tests):
    """Run ``tests`` in ``copy`` -> (pytest's exit code, the end of its output)."""
    # No bytecode: a mutation and its restore within one second, same size, would otherwise reuse a stale .pyc.
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    try:
        done = subprocess.run([sys.executable, *PYTEST, *tests], cwd=copy, env=env, capture_output=True, text=True,
                              timeout=900)  # fmt: skip
    except subprocess.TimeoutExpired:
        return -1, "pytest ran for more than 900 s"
    return done.returncode, (done.stdout + done.stderr).strip()[-1500:]


def check(copy, mutation):
    """Apply ``mutation`` in ``copy``, run its tests, restore the file -> (verdict, pytest output)."""
    path = copy / "helpers" / mutation.path
    source = path.read_text(encoding="utf-8")
    if (count := source.count(mutation.original)) != 1:
        return f"MISSING (snippet found {count} times)", ""
    path.write_text(source.replace(mutation.original, mutation.mutated), encoding="utf-8")
    try:
        code, output = run_pytest(copy, node_ids(mutation))
    finally:
        path.write_text(source, encoding="utf-8")
    # 1: a test failed. 0: all passed. Anything else (a collection error, an unknown test) proves nothing.
    return {0: "SURVIVED", 1: "killed"}.get(code, f"ERROR (pytest exit {code})"), output


def make_copy(root, index):
    copy = root / f"repo{index}"
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "browser"))
        else:
            shutil.copy2(source, copy / name)
    return copy


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="only the rows whose name contains one of these")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="rows run at once (default 1: the cores are shared)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show pytest's output of every row")
    args = parser.parse_args(argv)
    mutations = [m for m in MUTATIONS if not args.names or any(n in m.name for n in args.names)]
    start = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="mutation-check-"))
    try:
        copies = queue.Queue()
        for index in range(max(1, args.jobs)):
            copies.put(copy := make_copy(root, index))
        probe = [sys.executable, "-c", "import helpers; print(helpers.__file__)"]
        imported = subprocess.run(probe, cwd=copy, env={**os.environ, "PYTHONPATH": str(copy)}, capture_output=True,
                                  text=True).stdout.strip()  # fmt: skip
        if Path(imported) != copy / "helpers" / "__init__.py":
            print(f"baseline: the copy's helpers are not the ones imported ({imported or 'none'})", file=sys.stderr)
            return 1
        # A row whose test is not written (yet) is reported, and the others still run.
        untested = {m for m in mutations for t in m.tests.split() if f"def {t}(" not in tests_source(copy, m)}
        for mutation in sorted(untested):
            print(f"{mutation.name}: NO TEST ({mutation.tests} is not in tests/test_{mutation.path})")
        mutations = [m for m in mutations if m not in untested]
        code, output = run_pytest(copy, sorted({test for m in mutations for test in node_ids(m)}))
        print(f"baseline: {'the named tests pass unmutated' if code == 0 else 'FAILED'} ({output.splitlines()[-1]})")
        if code != 0:
            print(output, file=sys.stderr)
            return 1

        def one(mutation):
            copy = copies.get()
            try:
                clock = time.perf_counter()
                return (*check(copy, mutation), time.perf_counter() - clock)
            finally:
                copies.put(copy)

        width = max(len(m.name) for m in mutations)
        verdicts = []
        with ThreadPoolExecutor(max(1, args.jobs)) as pool:
            for mutation, (verdict, output, seconds) in zip(mutations, pool.map(one, mutations), strict=True):
                verdicts.append(verdict)
                tests = ", ".join(mutation.tests.split())
                print(f"{mutation.name:<{width}}  {verdict:<8}  {seconds:4.0f} s  {tests}", flush=True)
                if args.verbose or verdict not in ("killed", "SURVIVED"):
                    print("    " + output.replace("\n", "\n    "))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    killed, total = verdicts.count("killed"), len(verdicts) + len(untested)
    print(f"\n{killed}/{total} mutations killed; wall time {time.perf_counter() - start:.0f} s")
    return 0 if killed == total else 1


if __name__ == "__main__":
    sys.exit(main())
