"""Mutation check: remove each reliability protection from a COPY of the repository and run the test that guards it.

Run from anywhere:  python tools/mutation_check.py  [--keep] [protection substring ...]

It makes one temporary copy of the repository; for each row of MUTATIONS it applies
the row's small source change to that copy, runs the one guarding test there
(PYTHONPATH = the copy), and restores the file. A protection is
"caught" when its test fails with the change, "MISSED" when the test still passes.
The unchanged copy must pass every guarding test first, or no verdict means anything.
Exit code: 0 when every mutation is caught, 1 otherwise (2: the baseline fails).

A maintainer's tool (tools/, README: Tests); never touches the working tree it was started from.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TABLE = "tests/test_bad_input_table.py::test_bad_input_is_rejected"
RELIABILITY = "tests/test_reliability.py::"
STORE = "tests/internal/test_store.py::"
IGNORED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "results",
    "__pycache__",
    ".ipynb_checkpoints",
    "build",
    "browser-artifacts",
    "*.egg-info",
    ".pytest_cache",
)


@dataclass
class Mutation:
    protection: str
    path: str  # file in the repository
    original: str  # must occur exactly once in that file
    mutated: str
    test: str  # pytest node id of the guarding test


MUTATIONS = [
    Mutation(
        "atomic write: result files (temporary file, then rename)",
        "helpers/internal/files.py",
        'handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")',
        "handle, temporary = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), str(path)",
        RELIABILITY + "test_a_write_killed_midway_leaves_the_old_complete_file_and_its_leftover_is_removed",
    ),
    Mutation(
        "atomic write: results.json (the same one writer)",
        "helpers/internal/files.py",
        'handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")',
        "handle, temporary = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), str(path)",
        RELIABILITY + "test_a_results_file_write_that_fails_halfway_leaves_the_old_complete_file",
    ),
    Mutation(
        "allow_pickle=False: result files",
        "helpers/internal/store.py",
        "np.load(path, allow_pickle=False)",
        "np.load(path, allow_pickle=True)",
        RELIABILITY + "test_result_file_with_pickled_objects_is_refused_without_running_them",
    ),
    Mutation(
        "allow_pickle=False: data files",
        "helpers/internal/data_files.py",
        "np.load(npz_path, allow_pickle=False)",
        "np.load(npz_path, allow_pickle=True)",
        RELIABILITY + "test_data_file_with_pickled_objects_is_refused_even_with_a_matching_hash",
    ),
    Mutation(
        "damaged result file reported, not loaded",
        "helpers/internal/store.py",
        "except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, TypeError) as error:",
        "except ZeroDivisionError as error:",
        RELIABILITY + "test_truncated_result_file_is_reported_as_damaged",
    ),
    Mutation(
        "altered published file refused: checksum",
        "helpers/internal/store.py",
        'if _checksum(arrays) != meta["sha256"]:',
        "if False:",
        STORE + "test_a_damaged_published_file_stops_with_its_name_and_the_remedy[altered]",
    ),
    Mutation(
        "misnamed published file refused",
        "helpers/internal/store.py",
        'if name is not None and meta["name"] != name:',
        "if False:",
        STORE + "test_a_published_file_holding_another_result_is_refused",
    ),
    Mutation(
        "another configuration is trained, not shown the published result",
        "helpers/internal/store.py",
        'if not same_key(meta["key"], key):\n        return None, "this configuration differs',
        'if False:\n        return None, "this configuration differs',
        STORE + "test_another_configuration_is_trained_once_into_the_user_cache_and_reused",
    ),
    Mutation(
        "published results match on what, not how (no versions in the key)",
        "helpers/internal/store.py",
        'json.dumps({"config": config, "recipe": TRAINING_RECIPE}',
        'json.dumps({"config": config, "recipe": TRAINING_RECIPE, "versions": library_versions()}',
        STORE + "test_a_published_result_is_shown_whatever_machine_made_it",
    ),
    Mutation(
        "retraining never writes over a published file",
        "helpers/internal/store.py",
        '    if mode == "publish":\n        target = published',
        "    if True:\n        target = published",
        STORE + "test_the_retrain_switch_trains_here_every_time_and_leaves_published_files_alone[env]",
    ),
    Mutation(
        "a lesson's retrain never retrains another lesson's (borrowed) result",
        "helpers/internal/store.py",
        'if mode == "no" or borrowed:',
        'if mode == "no":',
        STORE + "test_a_lesson_that_retrains_reads_another_lessons_result_and_never_retrains_it[yes]",
    ),
    Mutation(
        "a borrowed result is never published by the lesson that borrows it",
        "helpers/internal/store.py",
        'mode = "yes"  # never into published/',
        "pass  # never into published/",
        STORE + "test_a_borrowed_result_of_another_configuration_is_trained_into_the_user_cache_only",
    ),
    Mutation(
        "a lesson's check cannot be switched off by python -O",
        "helpers/checks.py",
        'if not bool(condition):\n        raise CheckFailed(f"{label} failed: {detail}")',
        'assert bool(condition), f"{label} failed: {detail}"',
        "tests/test_checks.py::test_a_check_cannot_be_switched_off_by_python_optimize",
    ),
    Mutation(
        "the user cache is never the published folder",
        "helpers/internal/store.py",
        "if resolved == PUBLISHED_DIR.resolve() or",
        "if False and",
        STORE + "test_the_user_cache_may_not_be_the_published_folder",
    ),
    Mutation(
        "unknown retrain switch value refused",
        "helpers/internal/store.py",
        "if text not in _RETRAIN_VALUES:",
        "if False:",
        STORE + "test_an_unknown_retrain_value_is_a_clear_error",
    ),
    Mutation(
        "sha256 data check",
        "helpers/internal/data_files.py",
        "if actual != expected_sha256:",
        "if False:",
        "tests/internal/test_data_files.py::test_damaged_local_mnist_file_is_refused",
    ),
    Mutation(
        "strength validation: negative",
        "helpers/internal/validation.py",
        "if value < 0:",
        "if False:",
        TABLE + "[penalty-negative-l2]",
    ),
    Mutation(
        "strength validation: NaN / infinite",
        "helpers/internal/validation.py",
        "if not math.isfinite(value):",
        "if False:",
        TABLE + "[penalty-nan-l1]",
    ),
    Mutation(
        "strength validation: bool / non-numeric",
        "helpers/internal/validation.py",
        "if isinstance(value, bool) or not isinstance(value, numbers.Real):",
        "if not isinstance(value, numbers.Real):",
        TABLE + "[penalty-bool-l2]",
    ),
    Mutation(
        "the command line checks values with the lessons' own validators",
        "helpers/experiment.py",
        "return check(name, value, *args)",
        "return value",
        TABLE + "[cli-nan-strength]",
    ),
    Mutation(
        "image validation: shape",
        "helpers/internal/validation.py",
        "if images.ndim != 4 or images.shape[1:] != (28, 28, 1):",
        "if False:",
        TABLE + "[train-image-shape]",
    ),
    Mutation(
        "image validation: dtype",
        "helpers/internal/validation.py",
        "if images.dtype != np.float32:",
        "if False:",
        TABLE + "[train-image-dtype]",
    ),
    Mutation(
        "image validation: empty",
        "helpers/internal/validation.py",
        "if images.shape[0] == 0:",
        "if False:",
        TABLE + "[train-empty-data]",
    ),
    Mutation(
        "label validation: range",
        "helpers/internal/validation.py",
        "if labels.size and (labels.min() < 0 or labels.max() >= num_classes):",
        "if False:",
        TABLE + "[train-label-out-of-range]",
    ),
    Mutation(
        "label validation: count",
        "helpers/internal/validation.py",
        "if count is not None and labels.shape[0] != count:",
        "if False:",
        TABLE + "[train-label-count]",
    ),
    Mutation(
        "split larger than the data",
        "helpers/data.py",
        "if size > available:",
        "if False:",
        TABLE + "[load-n-train-larger-than-data]",
    ),
    Mutation(
        "non-writable output folder",
        "helpers/internal/store.py",
        'check_writable_dir("directory", path.parent)',
        "path.parent.mkdir(parents=True, exist_ok=True)",
        TABLE + "[result-non-writable-directory]",
    ),
    Mutation(
        "result name stays inside its folder",
        "helpers/internal/store.py",
        "if not isinstance(name, str) or not _NAME.fullmatch(name):",
        "if False:",
        TABLE + "[result-name-with-a-path]",
    ),
    Mutation(
        "determinism: train_cnn reseeds",
        "helpers/training.py",
        "reseed(seed)  # same seed",
        "pass  # same seed",
        RELIABILITY + "test_train_cnn_reseeds_so_a_seed_gives_the_same_run_anywhere_in_a_process",
    ),
    Mutation(
        "determinism: train_cnns starts every model from the seed",
        "helpers/internal/side_by_side.py",
        "reseed(seed)  # every model starts",
        "pass  # every model starts",
        "tests/internal/test_side_by_side.py::test_side_by_side_training_equals_training_alone",
    ),
    Mutation(
        "fast path: bfloat16 only where the CPU has it",
        "helpers/internal/runtime.py",
        "    if not flags & set(_BF16_FLAGS):\n",
        "    if False:\n",
        "tests/internal/test_runtime.py::test_bfloat16_only_where_the_cpu_has_it",
    ),
    Mutation(
        "fast path: never under a oneDNN cap below bfloat16",
        "helpers/internal/runtime.py",
        "if cap and not any(",
        "if False and not any(",
        "tests/internal/test_runtime.py::test_a_onednn_cap_below_bfloat16_means_float32[AVX2-float32]",
    ),
    Mutation(
        "fast path: never with oneDNN turned off",
        "helpers/internal/runtime.py",
        'os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1").strip().lower() in _OFF',
        "False",
        "tests/internal/test_runtime.py::test_onednn_turned_off_means_float32",
    ),
    Mutation(
        "fast path: the switch turns it off",
        "helpers/internal/runtime.py",
        "    if not _wanted(fast_path):\n",
        "    if False:\n",
        "tests/internal/test_runtime.py::test_the_switch_turns_it_off",
    ),
    Mutation(
        "determinism: setup_notebook seeds",
        "helpers/notebook.py",
        "    reseed(seed)\n",
        "    pass\n",
        RELIABILITY + "test_setup_notebook_seeds_python_and_numpy",
    ),
    Mutation(
        "determinism: op determinism switched on",
        "helpers/internal/runtime.py",
        "tf.config.experimental.enable_op_determinism()",
        "pass",
        RELIABILITY + "test_setup_notebook_turns_on_op_determinism",
    ),
    Mutation(
        "tmp cleanup: leftovers removed",
        "helpers/internal/store.py",
        "candidate.unlink()",
        "pass",
        RELIABILITY + "test_only_old_temporary_files_of_the_same_name_are_removed",
    ),
    Mutation(
        "tmp cleanup: young files (live writes) kept",
        "helpers/internal/store.py",
        "or time.time() - info.st_mtime < max_age_seconds:",
        "or False:",
        RELIABILITY + "test_only_old_temporary_files_of_the_same_name_are_removed",
    ),
    Mutation(
        "tmp cleanup: only our own name pattern",
        "helpers/internal/store.py",
        r'_TEMPORARY_PART = r"\.[a-z0-9_]{8}\.tmp"',
        r'_TEMPORARY_PART = r"\..*\.tmp"',
        RELIABILITY + "test_only_old_temporary_files_of_the_same_name_are_removed",
    ),
    Mutation(
        "tmp cleanup: reported by published_or_trained()",
        "helpers/internal/store.py",
        'log(f"Removed {leftover.name}',
        '(lambda line: None)(f"Removed {leftover.name}',
        RELIABILITY + "test_a_write_killed_midway_leaves_the_old_complete_file_and_its_leftover_is_removed",
    ),
    Mutation(
        "CLI error handling: bad values -> one line, exit 2",
        "helpers/experiment.py",
        "except (ValueError, TypeError) as error:",
        "except () as error:",
        TABLE + "[cli-non-writable-out]",
    ),
    Mutation(
        "CLI error handling: bad options -> one line, no usage block",
        "helpers/experiment.py",
        'self.exit(2, f"{self.prog}: error: {message} (see --help)\\n")',
        "super().error(message)",
        TABLE + "[cli-negative-strength]",
    ),
    Mutation(
        "CLI error handling: data errors -> one line",
        "helpers/experiment.py",
        "except ValueError as error:  # e.g. n_train",
        "except ZeroDivisionError as error:  # e.g. n_train",
        TABLE + "[cli-n-train-larger-than-data]",
    ),
    Mutation(
        "one call per epoch: not with a callback that acts on every batch",
        "helpers/internal/fast_fit.py",
        "steps = 1 if per_batch else",
        "steps = 1 if False else",
        "tests/internal/test_fast_fit.py::test_a_callback_acting_on_every_batch_still_sees_every_batch",
    ),
    Mutation(
        "one call per epoch: the model gets its own setting back",
        "helpers/internal/fast_fit.py",
        "        _set_steps_per_execution(model, previous)\n",
        "        pass\n",
        "tests/internal/test_fast_fit.py::test_one_call_per_epoch_gives_the_same_numbers_bit_for_bit",
    ),
    Mutation(
        "tight retrain tolerances only where the arithmetic is reproduced",
        "helpers/internal/store.py",
        'return all(meta["provenance"].get(field) == value',
        'return True or all(meta["provenance"].get(field) == value',
        STORE + "test_computed_the_same_way_only_with_the_same_versions_settings_and_cpu",
    ),
    Mutation(
        "a kind's penalty needs a strength > 0 for each term it has",
        "helpers/penalties.py",
        "if active and value == 0:",
        "if False:",
        TABLE + "[penalty-of-no-strength]",
    ),
    Mutation(
        "a slider snaps to the trained λ nearest on a log scale",
        "helpers/widgets.py",
        "abs(math.log(grid[i]) - math.log(value))",
        "abs(grid[i] - value)",
        "tests/test_widgets.py::test_nearest_index_is_log_scale",
    ),
    Mutation(
        "a Keras change to Adam's internals fails with a message naming the one place to fix",
        "helpers/internal/keras_private.py",
        "except (AttributeError, KeyError, IndexError, TypeError) as error:",
        "except ZeroDivisionError as error:",
        "tests/internal/test_keras_private.py::test_an_optimizer_without_second_moments_names_the_file_to_update",
    ),
    Mutation(
        "notebooks read only verified files",
        "notebooks/02_cnn_penalties.ipynb",
        "load_results(REFERENCE_DIR / ",
        'load_results(Path(\\"results\\") / ',
        "tests/test_notebook_independence.py::test_notebook_passes_no_state_through_files[02_cnn_penalties]",
    ),
    Mutation(
        "damaged compressed result file reported, not loaded",
        "helpers/internal/store.py",
        "zipfile.BadZipFile, zlib.error, OSError",
        "zipfile.BadZipFile, OSError",
        RELIABILITY + "test_result_file_with_flipped_bits_is_reported_as_damaged",
    ),
    Mutation(
        "validation: group-lasso strength (lesson 06)",
        "helpers/lesson06_structured_sparsity.py",
        'self.strength = check_positive("strength", strength)',
        "self.strength = strength",
        TABLE + "[group-proximal-negative-strength]",
    ),
    Mutation(
        "a layer with every unit removed is refused, not rebuilt (lesson 06)",
        "helpers/lesson06_structured_sparsity.py",
        "        if len(units) == 0:\n            raise ValueError(",
        "        if len(units) < 0:\n            raise ValueError(",
        TABLE + "[narrow-model-layer-all-removed]",
    ),
    Mutation(
        "a removed unit's bias folded into the next layer (lesson 06)",
        "helpers/lesson06_structured_sparsity.py",
        "constant = np.maximum(bias[removed], 0.0) if fold_biases else np.zeros(len(removed))",
        "constant = np.zeros(len(removed))",
        "tests/test_lesson06_structured_sparsity.py::test_the_narrower_model_predicts_what_the_masked_one_does",
    ),
    Mutation(
        "a trial that failed on a Ray worker is reported, never dropped (main job on Ray)",
        "helpers/cluster.py",
        '    if failed:\n        results["failed_trials"] = failed',
        '    if False:\n        results["failed_trials"] = failed',
        "tests/test_cluster.py::test_a_trial_that_raises_is_reported_with_its_configuration",
    ),
    Mutation(
        "a refused Ray address is reported at once, before Ray's own retries (main job on Ray)",
        "helpers/cluster.py",
        "            socket.create_connection((host, port), timeout=timeout).close()",
        "            pass",
        "tests/test_cluster.py::test_a_refused_address_is_reported_at_once",
    ),
    Mutation(
        "a trial claims only a penalty of its configuration (main job on Ray)",
        "helpers/lesson02_cnn_penalties.py",
        '    if penalty.__dict__ not in config["penalties"]:',
        "    if False:",
        TABLE + "[trial-penalty-not-in-config]",
    ),
]


def run_tests(copy, node_ids):
    """Run pytest on ``node_ids`` inside ``copy`` -> exit code (0 passed, 1 failed, other: could not run)."""
    env = {**os.environ, "PYTHONPATH": str(copy), "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}
    env.pop("COURSE_CACHE_DIR", None)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-x",
        "-p",
        "no:xdist",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        *node_ids,
    ]
    return subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=900).returncode


def check(copy, mutation):
    """Apply one mutation in ``copy``, run its test, restore -> verdict string."""
    path = copy / mutation.path
    source = path.read_text(encoding="utf-8")
    if source.count(mutation.original) != 1:
        return f"STALE (text found {source.count(mutation.original)} times)"
    path.write_text(source.replace(mutation.original, mutation.mutated), encoding="utf-8")
    try:
        code = run_tests(copy, [mutation.test])
    finally:
        path.write_text(source, encoding="utf-8")
    return {0: "MISSED", 1: "caught"}.get(code, f"ERROR (pytest exit {code})")


def main(argv):
    keep = "--keep" in argv
    wanted = [a for a in argv if a != "--keep"]
    mutations = [m for m in MUTATIONS if not wanted or any(w in m.protection for w in wanted)]
    start = time.perf_counter()
    copy = Path(tempfile.mkdtemp(prefix="mutation-check-")) / "repo"
    shutil.copytree(REPO, copy, ignore=IGNORED)
    try:
        if run_tests(copy, sorted({m.test for m in mutations})) != 0:
            print("baseline: the guarding tests fail on the unchanged copy; fix them first", file=sys.stderr)
            return 2
        width = max(len(m.protection) for m in mutations)
        print(f"{'protection':<{width}}  verdict  test")
        results = []
        for mutation in mutations:
            clock = time.perf_counter()
            verdict = check(copy, mutation)
            results.append(verdict)
            print(
                f"{mutation.protection:<{width}}  {verdict:<7}  {mutation.test.split('::')[-1]} "
                f"({time.perf_counter() - clock:.0f} s)",
                flush=True,
            )
    finally:
        if not keep:
            shutil.rmtree(copy.parent, ignore_errors=True)
    caught = results.count("caught")
    print(f"\n{caught}/{len(results)} mutations caught; wall time {time.perf_counter() - start:.0f} s")
    return 0 if caught == len(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
