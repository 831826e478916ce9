"""Command line: python -m cases.synthetic --households N --seed S --end YYYY-MM-DD --out DIR."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from cases.synthetic import generate_world


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, write the world, print one line per file and the totals."""
    parser = argparse.ArgumentParser(prog="python -m cases.synthetic",
                                     description="Write a synthetic early-warning world.")
    parser.add_argument("--households", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date.today(),
                        help="last day of the history (default: today)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--malformed-rate", type=float, default=0.0)
    parser.add_argument("--truth-dates", default="",
                        help="comma-separated YYYY-MM-DD dates for truth/risk.csv")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes (default: all CPUs for 40,000+ households)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    truth = [dt.date.fromisoformat(d) for d in args.truth_dates.split(",") if d.strip()]

    def progress(done: int, total: int) -> None:
        if not args.quiet:
            print(f"\r{done:,}/{total:,} households", end="", file=sys.stderr, flush=True)

    summary = generate_world(out_dir=args.out, households=args.households, seed=args.seed,
                             end=args.end, years=args.years, malformed_rate=args.malformed_rate,
                             truth_dates=truth or None, progress=progress, workers=args.workers)
    if not args.quiet:
        print(file=sys.stderr)
    for name, count in summary.rows.items():
        print(f"{name:32} {count:>12,}")
    print(f"{summary.households:,} households, {summary.people:,} people, {summary.offices} "
          f"offices, {summary.outcomes:,} outcomes, {summary.visits:,} visits "
          f"in {summary.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
