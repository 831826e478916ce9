"""The SQL behind the queue page and the household page, with EXPLAIN ANALYZE of each query.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/explain.py \
        [--office CODE] [--out var/explain.md]

Signs a caseworker of the busiest office in through the Django test client, requests /queue/
and one queued /households/<ref>/ (after one warm-up request each), captures every query the
page ran, and prints EXPLAIN (ANALYZE, BUFFERS) of each SELECT, slowest first, in Markdown.
The number of queries per page is the check for "no query per row". Writes JSON too.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import django_setup, print_machine, write_result


def _page_queries(client, path: str) -> tuple[float, list[str]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)  # warm-up (caches, first-use imports)
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        response = client.get(path)
        seconds = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"{path}: HTTP {response.status_code}")
    return seconds, [q["sql"] for q in ctx.captured_queries]


def _explain(sql: str) -> tuple[float, str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        lines = [row[0] for row in cur.fetchall()]
    total = 0.0
    for line in lines:
        if line.startswith("Execution Time:"):
            total = float(line.split(":")[1].split()[0])
    return total, "\n".join(lines)


def run(*, office: str | None = None, top: int = 6) -> dict:
    """Plans of both pages; returns {"pages": {path: {...}}, "markdown": str}."""
    from django.test import Client

    from bench.pages import prepare

    world = prepare(office_code=office, caseworkers=1, households=1)
    client = Client()
    client.force_login(_user(world["users"][0]))
    pages = {"/queue/": None, f"/households/{world['refs'][0]}/": None}
    md = [f"Office {world['office']} ({world['open_items']:,} open work items).", ""]
    out = {}
    for path in pages:
        seconds, queries = _page_queries(client, path)
        selects = [q for q in queries if q.lstrip().upper().startswith(("SELECT", "WITH"))]
        plans = sorted(((*_explain(q), q) for q in selects), key=lambda x: -x[0])
        out[path] = {"page_s": round(seconds, 4), "queries": len(queries),
                     "selects": len(selects),
                     "sum_execution_ms": round(sum(p[0] for p in plans), 3),
                     "slowest": [{"execution_ms": p[0], "sql": p[2], "plan": p[1]}
                                 for p in plans[:top]]}
        md += [f"### `GET {path}`", "",
               f"{len(queries)} queries ({len(selects)} SELECT), page rendered in "
               f"{seconds * 1000:.0f} ms in process; sum of execution times "
               f"{out[path]['sum_execution_ms']:.1f} ms. Slowest {min(top, len(plans))}:", ""]
        for ms, plan, sql in plans[:top]:
            md += [f"- {ms:.3f} ms", "", "```sql", sql, "```", "", "```", plan, "```", ""]
    return {"office": world["office"], "pages": out, "markdown": "\n".join(md)}


def _user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--office", default=None)
    parser.add_argument("--out", type=Path, default=None, help="also write the Markdown here")
    parser.add_argument("--top", type=int, default=6, help="plans per page (slowest first)")
    args = parser.parse_args()
    django_setup()
    print_machine()
    result = run(office=args.office, top=args.top)
    print(result["markdown"])
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(result["markdown"])
    from cases.models import Household

    write_result("explain", {"households": Household.objects.count(), "office": result["office"],
                             "pages": result["pages"]})


if __name__ == "__main__":
    main()
