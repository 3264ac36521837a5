"""Cached results: atomic writes, provenance matching, damaged files recomputed; the check helpers."""

import numpy as np
import pytest

from helpers.cache import cached, load_arrays, provenance, save_arrays
from helpers.checks import check_close, check_true


def test_round_trip_and_provenance_match(tmp_path):
    record = provenance({"seed": 0})
    save_arrays(tmp_path / "r.npz", {"acc": np.arange(3.0)}, record)
    arrays, stored = load_arrays(tmp_path / "r.npz", record)
    np.testing.assert_array_equal(arrays["acc"], [0.0, 1.0, 2.0])
    assert stored["config"] == {"seed": 0} and "numpy" in stored["versions"]


def test_stale_or_damaged_cache_is_recomputed(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"value": np.array([len(calls)])}

    assert cached("x", {"seed": 0}, compute, directory=tmp_path, log=lambda m: None)["value"][0] == 1
    assert cached("x", {"seed": 0}, compute, directory=tmp_path, log=lambda m: None)["value"][0] == 1  # hit
    assert cached("x", {"seed": 1}, compute, directory=tmp_path, log=lambda m: None)["value"][0] == 2  # stale
    (tmp_path / "x.npz").write_bytes(b"PK\x03\x04 truncated")
    messages = []
    assert cached("x", {"seed": 1}, compute, directory=tmp_path, log=messages.append)["value"][0] == 3
    assert "damaged" in messages[0]


def test_no_temporary_files_left_behind(tmp_path):
    save_arrays(tmp_path / "r.npz", {"a": np.ones(2)}, provenance({}))
    assert [p.name for p in tmp_path.iterdir()] == ["r.npz"]


def test_check_close_passes_and_prints_rounded(capsys):
    check_close("sum", 0.30000000000000004, 0.3, rtol=1e-12)
    assert capsys.readouterr().out == "✓ sum: 0.3 vs 0.3 (rtol=1e-12, atol=0)\n"


def test_check_close_fails_outside_tolerance():
    with pytest.raises(AssertionError, match="penalty"):
        check_close("penalty", 1.0, 1.1, rtol=1e-3)


def test_check_true_fails_with_detail():
    with pytest.raises(AssertionError, match="gap smaller failed: 0.2 vs 0.1"):
        check_true("gap smaller", 0.2 < 0.1, "0.2 vs 0.1")


def test_a_cache_records_where_it_was_computed_outside_its_key(tmp_path):
    from helpers.cache import made_on, same_arithmetic
    from helpers.fastpath import arithmetic_platform

    record = provenance({"seed": 0})
    save_arrays(tmp_path / "here.npz", {"acc": np.arange(3.0)}, record)
    assert made_on(tmp_path / "here.npz") == arithmetic_platform() and same_arithmetic(tmp_path / "here.npz")
    elsewhere = {"cpu": "another CPU", "machine": "x86_64", "instruction_sets": ["avx2"]}
    save_arrays(tmp_path / "there.npz", {"acc": np.arange(3.0)}, record, made_on=elsewhere)
    assert made_on(tmp_path / "there.npz") == elsewhere and not same_arithmetic(tmp_path / "there.npz")
    arrays, stored = load_arrays(tmp_path / "there.npz", record)  # still loads: the same results, shown anywhere
    assert set(arrays) == {"acc"} and stored == record
    np.savez(tmp_path / "old.npz", acc=np.arange(3.0), __provenance__=np.array("{}"))  # made before this record
    assert made_on(tmp_path / "old.npz") is None and not same_arithmetic(tmp_path / "old.npz")
