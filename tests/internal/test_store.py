"""helpers.internal.store, the store behind helpers.published: published results shown wherever the configuration
matches, retrained only on request or for another configuration, into the user's cache, never over a published file;
bad files named."""

import json
import zipfile

import numpy as np
import pytest

from helpers.internal import store
from helpers.internal.store import (
    PUBLISHED_DIR,
    ResultFileError,
    published_or_trained,
    read_result,
    result_key,
    retrain_mode,
    same_key,
    save_result,
    set_notebook_retrain,
    user_cache_dir,
)

ELSEWHERE = {
    "date": "2026-01-01",
    "versions": {"python": "3.10.0", "keras": "3.0.0", "tensorflow": "2.0.0"},
    "dtype_policy": "mixed_bfloat16",
    "onednn": "1",
    "cpu": {"cpu": "a CPU the learner does not have", "machine": "x86_64", "instruction_sets": ["amx_bf16"]},
    "command": "made somewhere else",
}


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """An empty published folder and user cache, no retrain switch, and a train() that counts its calls."""
    monkeypatch.delenv(store.RETRAIN_ENV, raising=False)
    set_notebook_retrain(False)
    (tmp_path / "published").mkdir()
    calls = []

    def train():
        calls.append(1)
        return {"value": np.array([float(len(calls))])}

    def lookup(config, name="r", **kwargs):
        messages = []
        arrays = published_or_trained(
            name,
            config,
            train,
            log=messages.append,
            published_dir=tmp_path / "published",
            cache_dir=tmp_path / "mine",
            **kwargs,
        )
        return float(arrays["value"][0]), messages

    yield tmp_path, calls, lookup
    set_notebook_retrain(False)


def publish(folder, name, config, value=7.0, provenance=ELSEWHERE):
    """A published file as another machine wrote it: its key is the configuration and the recipe, nothing of that
    machine."""
    from helpers.internal.store import TRAINING_RECIPE

    key = json.loads(json.dumps({"config": config, "recipe": TRAINING_RECIPE}))
    return save_result(folder / f"{name}.npz", name, key, {"value": np.array([value])}, provenance)


def test_a_published_result_is_shown_whatever_machine_made_it(folders):
    tmp_path, calls, lookup = folders
    publish(tmp_path / "published", "r", {"seed": 0})
    value, messages = lookup({"seed": 0})
    assert value == 7.0 and calls == []
    assert messages == [
        "Published result: 2026-01-01, a CPU the learner does not have, bfloat16 arithmetic, "
        "TensorFlow 2.0.0, Keras 3.0.0; by: made somewhere else"
    ]


def test_another_configuration_is_trained_once_into_the_user_cache_and_reused(folders):
    tmp_path, calls, lookup = folders
    path = publish(tmp_path / "published", "r", {"seed": 0})
    before = path.read_bytes()
    value, messages = lookup({"seed": 1})
    assert value == 1.0 and "differs from the published one" in messages[0] and messages[-1].startswith("Saved to")
    again, messages = lookup({"seed": 1})
    assert again == 1.0 and calls == [1] and messages[0].startswith("Your result, trained here: ")
    assert path.read_bytes() == before
    assert [p.name for p in (tmp_path / "mine").iterdir()] == [f"r-{store._key_digest(result_key({'seed': 1}))}.npz"]
    assert lookup({"seed": 0})[0] == 7.0  # the published configuration still shows the published result


@pytest.mark.parametrize("switch", ["env", "flag"])
def test_the_retrain_switch_trains_here_every_time_and_leaves_published_files_alone(folders, monkeypatch, switch):
    tmp_path, _calls, lookup = folders
    path = publish(tmp_path / "published", "r", {"seed": 0})
    before = path.read_bytes()
    if switch == "env":
        monkeypatch.setenv("COURSE_RETRAIN", "yes")
    else:
        set_notebook_retrain(True)
    assert lookup({"seed": 0})[0] == 1.0 and lookup({"seed": 0})[0] == 2.0
    assert path.read_bytes() == before
    _, meta = read_result(next((tmp_path / "mine").iterdir()), "r")
    assert meta["provenance"]["command"].startswith("COURSE_RETRAIN=yes ") and meta["provenance"]["versions"]


def test_publish_writes_the_published_folder_with_its_provenance(folders, monkeypatch):
    tmp_path, _calls, lookup = folders
    monkeypatch.setenv("COURSE_RETRAIN", "publish")
    lookup({"seed": 0}, name="lesson02_x")
    arrays, meta = read_result(tmp_path / "published" / "lesson02_x.npz", "lesson02_x")
    assert arrays["value"].tolist() == [1.0] and not (tmp_path / "mine").exists()
    assert meta["provenance"]["command"].startswith("COURSE_RETRAIN=publish jupyter nbconvert")
    assert "02_cnn_penalties.ipynb" in meta["provenance"]["command"]
    assert set(meta["provenance"]) == {
        "date",
        "versions",
        "dtype_policy",
        "onednn",
        "threads_per_operation",
        "cpu",
        "command",
    }
    monkeypatch.delenv("COURSE_RETRAIN")
    assert lookup({"seed": 0}, name="lesson02_x")[1][0].startswith("Published result: ")


def test_floats_that_differ_in_their_last_bits_are_the_same_configuration():
    assert same_key(
        result_key({"strengths": [10**-4.5]}), result_key({"strengths": [3.1622776601683795e-05 * (1 + 1e-15)]})
    )
    assert not same_key(result_key({"strengths": [1e-4]}), result_key({"strengths": [1.001e-4]}))
    assert not same_key(result_key({"epochs": 12}), result_key({"epochs": 12.5}))


def test_the_key_holds_the_training_recipe():
    from helpers.internal.store import TRAINING_RECIPE

    assert result_key({"seed": 0}) == {"config": {"seed": 0}, "recipe": json.loads(json.dumps(TRAINING_RECIPE))}


# --- bad published files: a clear error naming the file and the remedy; nothing trained or written


def _damage(path, how):
    if how == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    elif how == "altered":  # a valid file whose arrays were changed without their checksum
        with np.load(path, allow_pickle=False) as stored:
            arrays = {k: stored[k] for k in stored.files}
        arrays["value"] = arrays["value"] + 1
        np.savez(path, **arrays)
    elif how == "not a zip":
        path.write_text("not a result")
    elif how == "no record":
        np.savez(path, value=np.ones(1))
    elif how == "pickled":
        np.savez(path, value=np.array([object()], dtype=object), __result__=np.array("{}"))


@pytest.mark.parametrize("how", ["truncated", "altered", "not a zip", "no record", "pickled"])
def test_a_damaged_published_file_stops_with_its_name_and_the_remedy(folders, how):
    tmp_path, calls, lookup = folders
    path = publish(tmp_path / "published", "r", {"seed": 0})
    _damage(path, how)
    before = path.read_bytes()
    with pytest.raises(
        ResultFileError,
        match=r"published result .*r\.npz .*git checkout -- published/r\.npz"
        r".*COURSE_RETRAIN=yes",
    ):
        lookup({"seed": 0})
    assert calls == [] and path.read_bytes() == before and not (tmp_path / "mine").exists()


def test_a_published_file_holding_another_result_is_refused(folders):
    tmp_path, calls, lookup = folders
    publish(tmp_path / "published", "other", {"seed": 0})
    (tmp_path / "published" / "other.npz").rename(tmp_path / "published" / "r.npz")
    with pytest.raises(ResultFileError, match=r"r\.npz holds the result 'other', not 'r'"):
        lookup({"seed": 0})
    assert calls == []


def test_a_damaged_file_in_the_user_cache_is_retrained(folders):
    tmp_path, _calls, lookup = folders
    lookup({"seed": 3})
    (cached,) = (tmp_path / "mine").iterdir()
    cached.write_bytes(b"PK\x03\x04 truncated")
    value, messages = lookup({"seed": 3})
    assert value == 2.0 and "damaged" in messages[0]


def test_read_result_names_what_is_wrong(tmp_path):
    path = save_result(tmp_path / "x.npz", "x", result_key({}), {"a": np.arange(3.0)}, ELSEWHERE)
    arrays, meta = read_result(path, "x")
    assert arrays["a"].tolist() == [0, 1, 2] and meta["name"] == "x" and meta["provenance"] == ELSEWHERE
    with pytest.raises(FileNotFoundError):
        read_result(tmp_path / "missing.npz")
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(ResultFileError, match=r"x\.npz is damaged"):
        read_result(path)
    with zipfile.ZipFile(tmp_path / "empty.npz", "w"):
        pass
    with pytest.raises(ResultFileError, match=r"empty\.npz is not a result file of this course"):
        read_result(tmp_path / "empty.npz")


# --- the switch, the folders


@pytest.mark.parametrize(
    "value, mode",
    [
        ("", "no"),
        ("0", "no"),
        ("off", "no"),
        ("No", "no"),
        ("1", "yes"),
        ("yes", "yes"),
        (" TRUE ", "yes"),
        ("publish", "publish"),
    ],
)
def test_retrain_switch_values(monkeypatch, value, mode):
    monkeypatch.setenv("COURSE_RETRAIN", value)
    assert retrain_mode() == mode


def test_an_unknown_retrain_value_is_a_clear_error(monkeypatch, folders):
    _tmp_path, calls, lookup = folders
    monkeypatch.setenv("COURSE_RETRAIN", "maybe")
    with pytest.raises(ValueError, match=r"COURSE_RETRAIN must be one of no, yes, publish .*got 'maybe'"):
        lookup({"seed": 0})
    assert calls == []


def test_the_notebook_flag_takes_only_a_bool():
    with pytest.raises(TypeError, match="retrain must be True or False, got 'yes'"):
        set_notebook_retrain("yes")


def test_the_user_cache_is_outside_the_repository(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_CACHE_DIR", raising=False)
    monkeypatch.setattr(store.Path, "home", lambda: tmp_path / "home")
    for system, expected in [("linux", "home/.cache/l1-l2-course"), ("darwin", "home/Library/Caches/l1-l2-course")]:
        monkeypatch.setattr(store.sys, "platform", system)
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        assert user_cache_dir() == tmp_path / expected
    monkeypatch.setattr(store.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "AppData"))
    assert user_cache_dir() == tmp_path / "AppData" / "l1-l2-course" / "cache"
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert user_cache_dir() == tmp_path / "elsewhere"


def test_the_user_cache_may_not_be_the_published_folder(monkeypatch):
    for folder in (PUBLISHED_DIR, PUBLISHED_DIR / "sub"):
        monkeypatch.setenv("COURSE_CACHE_DIR", str(folder))
        with pytest.raises(ValueError, match=r"COURSE_CACHE_DIR must not be inside .*published"):
            user_cache_dir()


def test_bad_names_are_refused_before_anything_is_read(folders):
    _tmp_path, _calls, lookup = folders
    for name in ("../escape", "", "a/b"):
        with pytest.raises(ValueError, match="plain file name"):
            lookup({}, name=name)


def test_computed_the_same_way_only_with_the_same_versions_settings_and_cpu():
    from helpers.internal.store import _provenance_here, computed_the_same_way

    here = {"provenance": _provenance_here("a command")}
    assert computed_the_same_way(here)
    assert not computed_the_same_way({"provenance": ELSEWHERE})
    onednn_off = "1" if here["provenance"]["onednn"] == "0" else "0"
    for field, other in [
        ("cpu", {"cpu": "another"}),
        ("dtype_policy", "float16"),
        ("onednn", onednn_off),
        ("threads_per_operation", here["provenance"]["threads_per_operation"] + 1),
        ("versions", {**here["provenance"]["versions"], "keras": "9.9.9"}),
    ]:
        assert not computed_the_same_way({"provenance": {**here["provenance"], field: other}}), field


def test_a_result_from_before_threads_were_recorded_counts_as_two_threads_per_operation():
    """The published results were made with two threads per operation before that was recorded."""
    from helpers.internal.store import _provenance_here, computed_the_same_way

    here = _provenance_here("a command")
    older = {field: value for field, value in here.items() if field != "threads_per_operation"}
    assert computed_the_same_way({"provenance": older}) == (here["threads_per_operation"] == 2)


@pytest.mark.parametrize("switch", ["yes", "publish"])
def test_a_lesson_that_retrains_reads_another_lessons_result_and_never_retrains_it(folders, monkeypatch, switch):
    """Lessons 03-05 read lesson 02's runs (``borrowed=True``): retraining them must not retrain, nor republish,
    those."""
    tmp_path, calls, lookup = folders
    path = publish(tmp_path / "published", "r", {"seed": 0})
    before = path.read_bytes()
    monkeypatch.setenv(store.RETRAIN_ENV, switch)
    assert lookup({"seed": 0}, borrowed=True)[0] == 7.0 and calls == []  # the published one, not retrained
    assert lookup({"seed": 0})[0] == 1.0 and calls == [1]  # the owner retrains it (into the user cache or published/)
    value, messages = lookup({"seed": 0}, borrowed=True)  # then the owner's retrained result, not the old published one
    assert value == 1.0 and calls == [1]
    if switch == "yes":
        assert messages[0].startswith("Your result, trained here: ") and path.read_bytes() == before
    else:
        assert messages[0].startswith("Published result: ") and path.read_bytes() != before  # the owner republished


def test_a_borrowed_result_of_another_configuration_is_trained_into_the_user_cache_only(folders, monkeypatch):
    tmp_path, calls, lookup = folders
    path = publish(tmp_path / "published", "r", {"seed": 0})
    before = path.read_bytes()
    monkeypatch.setenv(store.RETRAIN_ENV, "publish")
    value, messages = lookup({"seed": 3}, borrowed=True)
    assert value == 1.0 and calls == [1] and path.read_bytes() == before
    assert "differs from the published one" in messages[0] and str(tmp_path / "mine") in messages[-1]
    with pytest.raises(TypeError, match="borrowed"):
        lookup({"seed": 0}, borrowed="yes")
