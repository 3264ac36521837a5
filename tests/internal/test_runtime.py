"""helpers.internal.runtime: the bfloat16 fast path is chosen by a capability check and can be turned off; what the
CPU is."""

import pytest

from helpers.internal.runtime import FAST_PATH_ENV, choose_dtype_policy, native_bf16_reason


@pytest.fixture
def cpuinfo(tmp_path):
    def write(flags):
        path = tmp_path / "cpuinfo"
        path.write_text(f"processor\t: 0\nmodel name\t: test CPU\nflags\t\t: {flags}\n\nprocessor\t: 1\n")
        return path

    return write


@pytest.fixture(autouse=True)
def x86_with_onednn(monkeypatch):
    monkeypatch.setattr("platform.machine", lambda: "x86_64")
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    monkeypatch.delenv(FAST_PATH_ENV, raising=False)


def test_bfloat16_only_where_the_cpu_has_it(cpuinfo):
    assert choose_dtype_policy(cpuinfo=cpuinfo("fpu sse avx2 avx512f avx512_bf16"))[0] == "mixed_bfloat16"
    assert choose_dtype_policy(cpuinfo=cpuinfo("fpu sse avx2 amx_bf16"))[0] == "mixed_bfloat16"
    policy, reason = choose_dtype_policy(cpuinfo=cpuinfo("fpu sse avx2 avx512f"))
    assert policy == "float32" and "avx512_bf16" in reason


def test_no_cpuinfo_means_float32(tmp_path):
    assert choose_dtype_policy(cpuinfo=tmp_path / "missing")[0] == "float32"


def test_onednn_turned_off_means_float32(cpuinfo, monkeypatch):
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    assert "TF_ENABLE_ONEDNN_OPTS=0" in native_bf16_reason(cpuinfo("avx512_bf16"))
    assert choose_dtype_policy(cpuinfo=cpuinfo("avx512_bf16"))[0] == "float32"


def test_other_machines_get_float32(cpuinfo, monkeypatch):
    monkeypatch.setattr("platform.machine", lambda: "arm64")
    assert choose_dtype_policy(cpuinfo=cpuinfo("avx512_bf16"))[0] == "float32"


@pytest.mark.parametrize("switch", [False, "off", "0", "OFF"])
def test_the_switch_turns_it_off(cpuinfo, switch):
    assert choose_dtype_policy(switch, cpuinfo=cpuinfo("avx512_bf16"))[0] == "float32"


def test_the_environment_variable_turns_it_off(cpuinfo, monkeypatch):
    monkeypatch.setenv(FAST_PATH_ENV, "off")
    assert choose_dtype_policy(cpuinfo=cpuinfo("avx512_bf16"))[0] == "float32"


@pytest.mark.parametrize("switch", ["fast", 2, "maybe"])
def test_an_unknown_switch_value_is_named(switch):
    with pytest.raises(ValueError, match=r"fast_path .* must be one of auto, on, off"):
        choose_dtype_policy(switch)


def test_the_choice_is_recorded_with_every_result():
    import keras

    from helpers.internal.runtime import numeric_settings

    assert numeric_settings()["dtype_policy"] == keras.mixed_precision.global_policy().name


def test_without_proc_cpuinfo_windows_gets_float32_and_says_why(tmp_path, monkeypatch):
    from helpers.internal.runtime import arithmetic_platform

    monkeypatch.setattr("platform.machine", lambda: "AMD64")
    monkeypatch.setattr("platform.system", lambda: "Windows")
    monkeypatch.setattr("platform.processor", lambda: "Intel64 Family 6 Model 85 Stepping 7, GenuineIntel")
    policy, reason = choose_dtype_policy(cpuinfo=tmp_path / "no-such-file")
    assert policy == "float32" and "instruction sets are not known here" in reason and "Windows" in reason
    assert arithmetic_platform(tmp_path / "no-such-file") == {
        "cpu": "Intel64 Family 6 Model 85 Stepping 7, GenuineIntel",
        "machine": "AMD64",
        "instruction_sets": [],
    }


def test_macos_on_apple_silicon_gets_float32(tmp_path, monkeypatch):
    monkeypatch.setattr("platform.machine", lambda: "arm64")
    monkeypatch.setattr("platform.system", lambda: "Darwin")
    policy, reason = choose_dtype_policy(cpuinfo=tmp_path / "no-such-file")
    assert policy == "float32" and "only checked on x86-64, this is arm64" in reason


@pytest.mark.parametrize(
    "cap, policy",
    [
        ("AVX2", "float32"),
        ("avx512_core", "float32"),
        ("AVX512_CORE_VNNI", "float32"),
        ("AVX512_CORE_BF16", "mixed_bfloat16"),
        ("AVX512_CORE_AMX", "mixed_bfloat16"),
        ("ALL", "mixed_bfloat16"),
    ],
)
def test_a_onednn_cap_below_bfloat16_means_float32(cpuinfo, monkeypatch, cap, policy):
    # Under ONEDNN_MAX_CPU_ISA=AVX2 oneDNN has no bfloat16 convolution: the fast path would fail, not just slow down.
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", cap)
    chosen, reason = choose_dtype_policy(cpuinfo=cpuinfo("avx2 avx512f avx512_bf16 amx_bf16"))
    assert chosen == policy, reason


def test_arithmetic_platform_names_the_cpu_and_the_kernel_instruction_sets(cpuinfo, monkeypatch):
    from helpers.internal.runtime import arithmetic_platform

    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)

    amd_like = arithmetic_platform(cpuinfo("fpu sse avx2 avx512f avx512_bf16 avx512_vnni"))
    assert amd_like == {"cpu": "test CPU", "machine": "x86_64", "instruction_sets": ["avx2", "avx512_bf16", "avx512f"]}
    amx = arithmetic_platform(cpuinfo("fpu avx2 avx512f avx512_bf16 avx512_fp16 amx_bf16 amx_tile"))
    assert amx["instruction_sets"] == ["amx_bf16", "avx2", "avx512_bf16", "avx512_fp16", "avx512f"]
    assert amx != amd_like  # another set of kernels: not "the same arithmetic"


def test_a_cap_on_onednn_instructions_is_part_of_the_platform(cpuinfo, monkeypatch):
    from helpers.internal.runtime import arithmetic_platform

    flags = cpuinfo("avx2 avx512f avx512_bf16 amx_bf16")
    uncapped = arithmetic_platform(flags)
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX512_CORE_BF16")
    assert arithmetic_platform(flags) == {**uncapped, "onednn_max_cpu_isa": "AVX512_CORE_BF16"}


def test_hardware_names_the_cpu_its_count_and_the_system():
    from helpers.internal.runtime import hardware

    found = hardware()
    assert set(found) == {"cpu", "logical_cpus", "os", "machine"}
    assert found["logical_cpus"] >= 1 and found["machine"] == "x86_64"  # the autouse fixture's machine


def test_side_by_side_models_get_one_thread_per_operation_and_run_at_once():
    from helpers.internal.runtime import thread_layout

    assert thread_layout(2) == (2, 2)  # one model: every operation on both cores
    assert thread_layout(2, models_per_fit=4) == (1, 2)  # four models: two operations at once, one core each
    assert thread_layout(4, models_per_fit=8) == (1, 4)
    assert thread_layout(1, models_per_fit=8) == (1, 1)


def test_the_threads_per_operation_are_recorded_with_every_result():
    import tensorflow as tf

    from helpers.internal.runtime import numeric_settings

    assert numeric_settings()["threads_per_operation"] == tf.config.threading.get_intra_op_parallelism_threads() == 2
