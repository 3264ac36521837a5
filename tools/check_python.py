"""The quick start's first step: a plain answer when this Python cannot run the course, before pip gives a cryptic one.

TensorFlow 2.21 publishes wheels for Python 3.10-3.13 only. On 3.14, pip says no more than
"No matching distribution found for tensorflow-cpu==2.21.*"; this says what to do instead.
Written for any Python 3 (no newer syntax), since its point is to run on the wrong one.
"""

import sys

SUPPORTED = ((3, 10), (3, 13))


def problem(version_info=sys.version_info):
    """What to do instead, or None when this Python can run the course."""
    major_minor = tuple(version_info[:2])
    if SUPPORTED[0] <= major_minor <= SUPPORTED[1]:
        return None
    shown = "{}.{}".format(*major_minor)
    return (
        f"This course needs Python 3.10 to 3.13, and this python3 is {shown}: TensorFlow 2.21 publishes no package for "
        f"Python {shown} (pip would only say 'No matching distribution found for tensorflow-cpu==2.21.*').\n"
        "Install Python 3.13 (python.org; or `brew install python@3.13`, `sudo apt install python3.13-venv`, "
        "`uv python install 3.13`), then run the quick start with python3.13 in place of python3:\n"
        "    python3.13 tools/check_python.py && python3.13 -m venv .venv && ..."
    )


if __name__ == "__main__":
    message = problem()
    if message:
        sys.exit(message)
