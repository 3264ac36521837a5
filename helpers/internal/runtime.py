"""The training fast path: bfloat16 arithmetic where the CPU does it natively, float32 elsewhere.

Measured on the course machine (benchmarks/latest/report.md has the numbers): Keras'
``mixed_bfloat16`` policy trains the seed's CNN about twice as fast as float32
with the same accuracy, because the CPU has AVX-512 BF16 instructions and
TensorFlow's oneDNN kernels use them. Without those instructions, or with
oneDNN turned off (``TF_ENABLE_ONEDNN_OPTS=0``), bfloat16 is emulated and was
measured up to 10x *slower*. So the fast path is chosen by a capability check,
never assumed, and one switch turns it off: ``COURSE_FAST_PATH=off`` in the
environment or ``--no-fast-path``. The main job and the benchmarks take it by
default; the lessons compute in float32 (``setup_notebook``), as a learner's laptop
does, unless asked with ``COURSE_FAST_PATH=on`` or ``setup_notebook(fast_path=True)``.

Weights stay float32 under ``mixed_bfloat16`` (only the arithmetic is bfloat16),
and the output layer computes in float32, so probabilities and losses keep
float32 precision. Which policy computed a published result is part of its provenance
(helpers.internal.store), not of its key: the same configuration trained either way lands about as
far apart as two seeds do.

Keras and TensorFlow are imported inside the functions: importing them starts TensorFlow, which
:func:`start_tensorflow` starts (quietly, with its threads set).
"""

import contextlib
import os
import platform
import sys
from pathlib import Path

from helpers.internal.validation import check_positive_int

__all__ = [
    "FAST_PATH_ENV",
    "apply_fast_path",
    "arithmetic_platform",
    "choose_dtype_policy",
    "cpuinfo_field",
    "hardware",
    "native_bf16_reason",
    "numeric_settings",
    "start_tensorflow",
    "thread_layout",
]

FAST_PATH_ENV = "COURSE_FAST_PATH"
_ON, _OFF = ("auto", "on", "1", "true", "yes"), ("off", "0", "false", "no")
# CPU flags (Linux /proc/cpuinfo) of instructions that do bfloat16 arithmetic in hardware.
_BF16_FLAGS = ("avx512_bf16", "amx_bf16")
# oneDNN's cap on the instructions it uses (ONEDNN_MAX_CPU_ISA, e.g. AVX2 or AVX512_CORE_BF16): only
# caps naming one of these allow bfloat16 instructions. Under a lower cap, oneDNN has no bfloat16
# convolution at all (measured: "could not create a primitive descriptor" under AVX2).
_BF16_ISA_CAPS = ("BF16", "FP16", "AMX", "AVX10", "ALL", "DEFAULT")
# The instruction sets oneDNN chooses its kernels from: a CPU with other ones from this list runs
# other kernels, which add in another order (results differ in the last bits, training amplifies it).
_KERNEL_FLAGS = ("avx2", "avx512f", "avx512_bf16", "avx512_fp16", "amx_bf16")


def cpuinfo_field(name, cpuinfo=Path("/proc/cpuinfo")):
    """The first ``name : value`` line of /proc/cpuinfo -> value, or '' (not Linux, or unreadable)."""
    try:
        for line in Path(cpuinfo).read_text().splitlines():
            if line.split(":", 1)[0].strip() == name:
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def _cpu_flags(cpuinfo=Path("/proc/cpuinfo")):
    return set(cpuinfo_field("flags", cpuinfo).split())  # empty: treat as "no native bfloat16"


def native_bf16_reason(cpuinfo=Path("/proc/cpuinfo")):
    """Why bfloat16 would be slow here -> str, or None when the CPU and TensorFlow do it natively."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return f"bfloat16 kernels are only checked on x86-64, this is {platform.machine()}"
    if os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1").strip().lower() in _OFF:
        return "TF_ENABLE_ONEDNN_OPTS=0 turns off the oneDNN kernels that use bfloat16 instructions"
    cap = os.environ.get("ONEDNN_MAX_CPU_ISA", "").strip().upper()
    if cap and not any(allowed in cap for allowed in _BF16_ISA_CAPS):
        return f"ONEDNN_MAX_CPU_ISA={cap} keeps oneDNN below its bfloat16 instructions"
    flags = _cpu_flags(cpuinfo)
    if not flags:
        # Windows and macOS have no /proc/cpuinfo: without the flags, float32 is the safe choice.
        return f"the CPU's instruction sets are not known here (no readable {cpuinfo}, {platform.system()})"
    if not flags & set(_BF16_FLAGS):
        return f"the CPU has none of {', '.join(_BF16_FLAGS)}"
    return None


def _wanted(fast_path):
    """True/False from an argument (None: the environment variable, default 'auto')."""
    if fast_path is None:
        fast_path = os.environ.get(FAST_PATH_ENV, "auto")
    if isinstance(fast_path, bool):
        return fast_path
    text = str(fast_path).strip().lower()
    if text in _ON:
        return True
    if text in _OFF:
        return False
    raise ValueError(f"fast_path (or ${FAST_PATH_ENV}) must be one of auto, on, off, True, False; got {fast_path!r}")


def choose_dtype_policy(fast_path=None, cpuinfo=Path("/proc/cpuinfo")):
    """``(policy, reason)``: 'mixed_bfloat16' when wanted and native, else 'float32' and why."""
    if not _wanted(fast_path):
        return "float32", f"fast path turned off ({FAST_PATH_ENV}=off or fast_path=False)"
    reason = native_bf16_reason(cpuinfo)
    if reason:
        return "float32", f"fast path not used: {reason}"
    return "mixed_bfloat16", "fast path: bfloat16 arithmetic, float32 weights (the CPU has native bfloat16)"


def apply_fast_path(fast_path=None):
    """Set Keras' global dtype policy from :func:`choose_dtype_policy` -> ``(policy, reason)``."""
    import keras

    policy, reason = choose_dtype_policy(fast_path)
    keras.mixed_precision.set_global_policy(policy)
    return policy, reason


def arithmetic_platform(cpuinfo=Path("/proc/cpuinfo")):
    """The CPU as far as it decides the arithmetic: model name and kernel instruction sets -> dict.

    Same versions, settings and seed on the same kind of CPU give the same numbers bit
    for bit (tests/test_reliability.py); on another kind (AMX instead of AVX-512 BF16,
    say) oneDNN runs other kernels and a trained network ends up slightly elsewhere,
    about as far as another seed would put it. Published results record where they were
    made (helpers.internal.store.computed_the_same_way), so tests know which tolerance applies.
    """
    found = {
        "cpu": cpuinfo_field("model name", cpuinfo) or platform.processor() or "unknown",
        "machine": platform.machine(),
        "instruction_sets": sorted(_cpu_flags(cpuinfo) & set(_KERNEL_FLAGS)),
    }
    if os.environ.get("ONEDNN_MAX_CPU_ISA"):
        # oneDNN's own cap on the instructions it uses (e.g. AVX512_CORE_BF16: no AMX) changes the kernels too.
        found["onednn_max_cpu_isa"] = os.environ["ONEDNN_MAX_CPU_ISA"]
    return found


def numeric_settings():
    """What besides library versions changes results: Keras' dtype policy, oneDNN, threads per operation -> dict.

    Threads per operation: oneDNN's bfloat16 and AVX-512 float32 kernels add a batch's partial sums
    in another order with one thread than with two (measured: last digits, which training carries
    about as far as another seed would); its AVX2 float32 kernels do not.
    """
    import keras
    import tensorflow as tf

    return {
        "dtype_policy": keras.mixed_precision.global_policy().name,
        "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1"),
        "threads_per_operation": tf.config.threading.get_intra_op_parallelism_threads(),
    }


def hardware():
    """CPU model and count, OS and machine: where a timing or a result came from."""
    return {
        "cpu": cpuinfo_field("model name") or platform.processor() or "",
        "logical_cpus": os.cpu_count(),
        "os": platform.platform(),
        "machine": platform.machine(),
    }


# ---------------------------------------------------------------- starting TensorFlow


def thread_layout(threads, models_per_fit=1):
    """``(threads per operation, operations at once)`` for TensorFlow's two thread pools.

    One model: every operation uses all ``threads``. Several models side by side
    (helpers.internal.side_by_side): their operations do not depend on each other, so
    ``threads`` of them run at once, one thread each, instead of splitting every small
    operation over the cores and waiting for the slowest part. Measured per training step
    of 8 models at batch 64 (benchmarks/profile/README.md): 62.7 ms against 70.7 ms in
    float32, 21.7 ms against 29.6 ms in bfloat16.
    """
    check_positive_int("threads", threads)
    check_positive_int("models_per_fit", models_per_fit)
    return (1 if models_per_fit > 1 else threads), threads


def start_tensorflow(threads=2, fast_path=None, models_per_fit=1):
    """Start TensorFlow quietly with ``threads`` threads, op determinism and the fast path -> (policy, reason).

    ``models_per_fit``: how many models each ``fit`` trains side by side; it sets how the
    threads are used (:func:`thread_layout`).
    """
    per_operation, at_once = thread_layout(threads, models_per_fit)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with _c_stderr_silenced():
        import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(per_operation)
        tf.config.threading.set_inter_op_parallelism_threads(at_once)
    except RuntimeError:
        pass  # TensorFlow already started (the cell was re-run): the first setting stays.
    # Same seed -> same numbers, also with oneDNN's kernels (two fresh processes agree bit for bit,
    # tests/test_reliability.py).
    tf.config.experimental.enable_op_determinism()
    # The course trains many small models on purpose; TensorFlow's Python warning that this
    # "triggered tf.function retracing" is expected here and only noise for a learner.
    tf.get_logger().setLevel("ERROR")
    return apply_fast_path(fast_path)


@contextlib.contextmanager
def _c_stderr_silenced():
    """Send file descriptor 2 to /dev/null while TensorFlow starts.

    TensorFlow's C++ start-up notices ("oneDNN custom operations are on", absl's
    "All log messages before absl::InitializeLog()") are written before
    TF_CPP_MIN_LOG_LEVEL is read, straight to the C-level stderr, which JupyterLab
    shows as red boxes. Python errors still reach the caller as exceptions.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real file descriptor 2 (some embedded interpreters)
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
