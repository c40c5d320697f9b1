"""What the benchmarks print about the machine they ran on."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def machine(*, load: bool = False) -> str:
    """ "2 cores (Intel Xeon), Python 3.11.7", with the load average when asked."""
    text = f"{os.cpu_count()} cores ({cpu_name()})"
    if load:
        text += ", load average " + ", ".join(f"{value:.1f}" for value in os.getloadavg()) + ";"
    else:
        text += ","
    return f"{text} Python {platform.python_version()}"
