"""helpers.published: a published result is shown when its configuration matches, anything else is trained once into
your cache ($COURSE_CACHE_DIR), never over published/ (here a temporary folder); untrustworthy files are never used."""

import json
import re
from types import SimpleNamespace

import numpy as np
import pytest

import helpers.published
from helpers.published import ResultFileError, published_or_trained, retrain_mode

DATE = r"\d{4}-\d{2}-\d{2}"
SHOWN = rf"Published result \(trained in float32, {DATE}\)\. Set RETRAIN = True to train it here\."


@pytest.fixture
def store(tmp_path, monkeypatch):
    """Empty published and cache folders; ``lookup(config, ...)`` -> (value, log lines), its train() counted."""
    published, mine = tmp_path.resolve() / "published", tmp_path.resolve() / "mine"
    monkeypatch.setattr(helpers.published, "PUBLISHED_DIR", published)
    monkeypatch.setenv("COURSE_CACHE_DIR", str(mine))
    calls = []

    def counted():
        calls.append("trained")
        return {"value": np.array([float(len(calls))])}  # 1.0 from the first training, 2.0 from the second ...

    def lookup(config, name="r", mode="no", borrowed=False, train=None):
        monkeypatch.setenv("COURSE_RETRAIN", mode)
        messages = []
        arrays = published_or_trained(name, config, train or counted, log=messages.append, borrowed=borrowed)
        return float(arrays["value"][0]), messages

    return SimpleNamespace(published=published, mine=mine, calls=calls, lookup=lookup)


def test_a_published_result_is_shown_when_its_configuration_matches(store):
    store.lookup({"seed": 0}, mode="publish")
    value, messages = store.lookup({"seed": 0})
    assert value == 1.0 and len(store.calls) == 1 and not store.mine.exists()
    assert len(messages) == 1 and re.fullmatch(SHOWN, messages[0]), messages


def test_another_configuration_is_trained_once_into_the_cache_and_read_back(store):
    store.lookup({"seed": 0}, mode="publish")
    value, messages = store.lookup({"seed": 1})
    (cached,) = store.mine.iterdir()
    assert value == 2.0 and re.fullmatch(r"r-[0-9a-f]{12}\.npz", cached.name)
    assert messages == ["Training r here (a new configuration).", f"Saved to {cached}."]
    value, messages = store.lookup({"seed": 1})
    assert value == 2.0 and len(store.calls) == 2  # read back, not trained again
    assert re.fullmatch(rf"Your result, trained here \(float32, {DATE}\)\.", messages[0]), messages


MODES = {"": "no", "0": "no", "Off": "no", "1": "yes", " TRUE ": "yes", "on": "yes", "publish": "publish"}


@pytest.mark.parametrize("text, mode", MODES.items())
def test_retrain_mode_reads_course_retrain(monkeypatch, text, mode):
    monkeypatch.setenv("COURSE_RETRAIN", text)
    assert retrain_mode() == mode


def test_an_unknown_retrain_value_is_refused_naming_course_retrain(store):
    with pytest.raises(ValueError, match="COURSE_RETRAIN"):
        store.lookup({"seed": 0}, mode="sometimes")
    assert store.calls == []


def test_retraining_trains_every_time_into_the_cache_and_never_writes_published(store):
    store.lookup({"seed": 0}, mode="publish")
    before = (store.published / "r.npz").read_bytes()
    first, second = store.lookup({"seed": 0}, mode="yes"), store.lookup({"seed": 0}, mode="yes")
    assert (first[0], second[0]) == (2.0, 3.0) and first[1][0] == "Training r here (as asked)."
    assert [p.name for p in store.published.iterdir()] == ["r.npz"] and len(list(store.mine.iterdir())) == 1
    assert (store.published / "r.npz").read_bytes() == before


def _damage(path, how):
    if how == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    elif how == "altered":  # a well-formed file whose array changed after its checksum was written
        with np.load(path, allow_pickle=False) as stored:
            arrays = {key: stored[key] for key in stored.files}
        np.savez(path, **{**arrays, "value": arrays["value"] + 1})
    else:
        path.write_text("not a result")


@pytest.mark.parametrize("how, problem", [("truncated", "damaged"), ("altered", "altered"), ("not a zip", "damaged")])
def test_a_damaged_published_file_stops_naming_the_file_and_the_remedy(store, how, problem):
    store.lookup({"seed": 0}, mode="publish")
    path = store.published / "r.npz"
    _damage(path, how)
    before = path.read_bytes()
    remedy = r"git checkout -- published/r\.npz.*RETRAIN = True"
    with pytest.raises(ResultFileError, match=rf"^published result {re.escape(str(path))} .*{problem}.*{remedy}"):
        store.lookup({"seed": 0})
    assert len(store.calls) == 1 and path.read_bytes() == before and not store.mine.exists()


def test_a_damaged_cache_file_is_retrained(store):
    store.lookup({"seed": 0})  # nothing published: trained into the cache
    (cached,) = store.mine.iterdir()
    _damage(cached, "truncated")
    value, messages = store.lookup({"seed": 0})
    assert value == 2.0 and messages[0].startswith(f"Retraining: {cached} is damaged"), messages
    assert store.lookup({"seed": 0})[0] == 2.0  # the retrained file replaced the damaged one


def test_a_file_holding_another_result_is_refused(store):
    store.lookup({"seed": 0}, name="other", mode="publish")
    (store.published / "other.npz").rename(store.published / "r.npz")
    with pytest.raises(ResultFileError, match=r"r\.npz holds the result 'other', not 'r'"):
        store.lookup({"seed": 0})
    assert len(store.calls) == 1


@pytest.mark.parametrize("name", ["", "a/b", "../r", "r.npz", "r r", 7])
def test_a_name_that_is_not_a_plain_file_name_is_refused(store, name):
    with pytest.raises(ValueError, match=r"^name\b"):
        store.lookup({"seed": 0}, name=name, mode="yes")
    assert store.calls == [] and not store.mine.exists()


@pytest.mark.parametrize("inside", ["", "sub"])
def test_a_cache_folder_inside_published_is_refused(store, monkeypatch, inside):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(store.published / inside))
    with pytest.raises(ValueError, match="COURSE_CACHE_DIR"):
        store.lookup({"seed": 0}, mode="yes")
    assert store.calls == []


def test_a_borrowed_result_reads_your_retrained_copy_first_and_is_never_retrained(store):
    """Lessons 03-05 borrow lesson 02's runs: retraining one of them retrains (or republishes) none of those."""
    store.lookup({"seed": 0}, mode="publish")  # published: 1.0
    assert store.lookup({"seed": 0}, mode="yes", borrowed=True)[0] == 1.0  # no copy of yours yet: the published one
    store.lookup({"seed": 0}, mode="yes")  # the owning lesson retrains it: 2.0, into your cache
    assert store.lookup({"seed": 0}, mode="yes", borrowed=True)[0] == 2.0  # retraining: your copy first
    value, messages = store.lookup({"seed": 0}, mode="no", borrowed=True)  # not retraining: the published one first,
    assert value == 1.0 and re.fullmatch(rf"Published result \(trained in float32, {DATE}\)\.", *messages)  # no RETRAIN
    before = (store.published / "r.npz").read_bytes()
    value, messages = store.lookup({"seed": 5}, mode="publish", borrowed=True)  # no match anywhere: trained ...
    assert value == 3.0 and messages[-1].startswith(f"Saved to {store.mine}")  # ... into your cache, not published/
    assert len(store.calls) == 3 and (store.published / "r.npz").read_bytes() == before


@pytest.mark.parametrize("step", ["train", "savez"])
def test_an_interrupted_write_leaves_the_old_file_and_no_temporary_file(store, monkeypatch, step):
    store.lookup({"seed": 0})
    (cached,) = store.mine.iterdir()
    before = cached.read_bytes()

    def interrupted(stream=None, **arrays):
        if stream:  # savez_compressed's: half a file written, then the disk is full
            stream.write(b"PK\x03\x04 half a file")
        raise OSError(28, "No space left on device")

    if step == "savez":
        monkeypatch.setattr(helpers.published.np, "savez_compressed", interrupted)
    for config in ({"seed": 0}, {"seed": 1}):  # over the old file, and a new one
        with pytest.raises(OSError, match="No space"):
            store.lookup(config, mode="yes", train=interrupted if step == "train" else None)
    assert list(store.mine.iterdir()) == [cached] and cached.read_bytes() == before  # no *.tmp, no half file


def test_a_result_file_is_never_unpickled(store):
    store.published.mkdir()
    record = {"name": "r", "key": {}, "sha256": "0" * 64, "provenance": {}}
    pickled = np.array([{"any": "object"}], dtype=object)  # unpickling one can run any code
    np.savez(store.published / "r.npz", value=pickled, __result__=np.array(json.dumps(record)))
    with pytest.raises(ResultFileError, match=r"is damaged .*allow_pickle=False"):  # numpy refused to unpickle it
        store.lookup({"seed": 0})
