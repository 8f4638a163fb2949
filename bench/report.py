"""Write one benchmark's section into docs/BENCHMARKS.md, replacing that section if it exists."""

from __future__ import annotations

import os
import platform
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "docs" / "BENCHMARKS.md"
HEADER = "# Benchmarks\n\nEach section names the command that produced it and the machine it ran on.\n"


def machine_line() -> str:
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, {gpu}; Python {platform.python_version()}, "
        f"torch {torch.__version__}; {datetime.now(UTC):%Y-%m-%d}"
    )


def command_line(module: str, argv: list[str] | None) -> str:
    """How a benchmark was run, for its section: `python -m MODULE ARGS` (arguments with spaces quoted)."""
    given = argv if argv is not None else sys.argv[1:]
    return f"python -m {module} " + " ".join(f'"{a}"' if " " in a else a for a in given)


def write_section(title: str, body: str, command: str | None = None, path: Path | None = None) -> None:
    command = command or "python " + " ".join(sys.argv)
    target = path or BENCHMARKS
    section = f"## {title}\n\nCommand: `{command}`  \nMachine: {machine_line()}\n\n{body.strip()}\n"
    text = target.read_text() if target.exists() else HEADER
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
