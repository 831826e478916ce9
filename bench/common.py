"""Shared helpers of the benchmark scripts: Django set-up, machine facts, result files."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(os.environ.get("BENCH_RESULTS_DIR") or ROOT / "bench" / "results")  # tests: tmp


def django_setup(*, require_postgres: bool = True) -> None:
    """Configure Django for a script run from the repository root."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dhs.settings")
    import django

    django.setup()
    from django.conf import settings

    if require_postgres and not settings.IS_POSTGRES:
        raise SystemExit("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    pg = ""
    with suppress(OSError):
        pg = subprocess.run(["psql", "--version"], capture_output=True, text=True,
                            check=False).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": mem_gib,
            "python": platform.python_version(), "postgres_client": pg,
            "platform": platform.platform(), "date": dt.date.today().isoformat()}


@contextmanager
def timed(label: str, sink: dict[str, float]):
    """Time a block into sink[label] (seconds) and print it."""
    start = time.perf_counter()
    yield
    sink[label] = round(time.perf_counter() - start, 3)
    print(f"  {label}: {sink[label]:.2f} s", flush=True)


def write_result(name: str, result: dict[str, Any]) -> Path:
    """Write bench/results/<name>-<timestamp>.json and print where."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"benchmark": name, "machine": machine(), **result}
    path = RESULTS / f"{name}-{dt.datetime.now():%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"result written to {shown}")
    return path


def print_machine() -> None:
    m = machine()
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, "
          f"Python {m['python']}, {m['postgres_client']}, {m['date']}")
