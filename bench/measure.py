"""Measuring helpers shared by the benchmark scripts: CPU time of processes and of the machine, and tables."""

from __future__ import annotations

import os
import time
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def tree_cpu(pid: int) -> float:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return proc_cpu(pid) + sum(tree_cpu(int(c)) for c in children)


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = values
    busy = user + nice + system + irq + softirq + steal
    return busy / CLOCK_TICKS, (busy + idle + iowait) / CLOCK_TICKS


def is_postgres(pid: str) -> bool:
    try:
        return "(postgres)" in (Path("/proc") / pid / "stat").read_text()
    except OSError:
        return False


def postgres_cpu() -> float:
    """CPU seconds of all PostgreSQL processes: the live ones, plus what the postmaster has reaped from
    exited backends (a worker opens a new connection per task, so most backends are gone by the end)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, _, tail = (entry / "stat").read_text().rpartition(")")
        except OSError:
            continue
        if head.endswith("(postgres"):
            fields = tail.split()
            total += int(fields[11]) + int(fields[12])
            if not is_postgres(fields[1]):
                total += int(fields[13]) + int(fields[14])  # the postmaster: its reaped children
    return total / CLOCK_TICKS


def busy_share(window: float = 3.0) -> float:
    busy0, total0 = machine_cpu()
    time.sleep(window)
    busy1, total1 = machine_cpu()
    return (busy1 - busy0) / max(total1 - total0, 1e-9)


def table(rows: list[list[str]], markdown: bool) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        if markdown:
            lines.append("| " + " | ".join(row) + " |")
            if n == 0:
                lines.append("|" + "|".join("---" for _ in row) + "|")
        else:
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
