"""The CPU's name and instruction-set flags, read once from /proc/cpuinfo (Linux); elsewhere what platform says."""

import platform
import re
from functools import cache
from pathlib import Path


@cache
def _cpuinfo():
    path = Path("/proc/cpuinfo")
    return path.read_text() if path.is_file() else ""


def cpu_name():
    found = re.search(r"model name\s*:\s*(.*)", _cpuinfo())
    return found[1] if found else platform.processor() or platform.machine()


def cpu_flags():
    """The CPU's instruction-set flags -> set (empty where /proc/cpuinfo is missing)."""
    found = re.search(r"^flags\s*:(.*)$", _cpuinfo(), re.MULTILINE)
    return set(found[1].split()) if found else set()
