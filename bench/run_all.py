"""Run every benchmark on loopback and write one JSON file each into bench/results/.

    .venv/bin/python bench/run_all.py                 # the full figures (about 5 minutes, quiet machine)
    .venv/bin/python bench/run_all.py --quick         # small sizes, to check that everything runs
    .venv/bin/python bench/run_all.py --only live_vote pages
    make bench

Benchmarks, in this order (each a script of bench/, run as a subprocess):

    tally                 10,000 ballots over 10 options, Schulze and majority judgment
    vote_groups           CPU and SQL statements per vote through the group committer, groups of
                          1, 3 and 20 votes per commit, on SQLite
    vote_groups_postgres  the same on PostgreSQL
    pages                 proposal with 300 comments, register of 2,000 decisions, directory of 500
                          members, and the same pages small: median server time and SQL statements
    assembly_pv           PV of an assembly of 300 associates and 40 resolutions: PDF, ODT, DOCX
    live_vote             1,000 Socket.IO voters, one gevent worker on SQLite, then the bare server
    live_vote_2_workers   the same voters spread over two gevent workers sharing PostgreSQL and Redis

Each file holds the date, the machine (CPU model, cores, Python), the load average before
and after, the git commit (and whether the checkout had changes), the command and its
parameters, the wall time and the figures. A benchmark that fails is written too, with its
exit status and the end of its output, and the command then exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from common import machine  # noqa: E402

RESULTS = os.path.join(HERE, "results")


def benchmarks(args) -> dict[str, list[str]]:
    quick = args.quick
    voters = str(args.voters or (100 if quick else 1000))
    postgres = args.database_url or f"postgresql+psycopg://postgres@127.0.0.1:5432/facettes_bench_{os.getpid()}"
    return {
        "tally": ["tally.py", *(["--ballots", "2000", "--runs", "3"] if quick else [])],
        "vote_groups": ["vote_groups.py", *(["--voters", "200"] if quick else [])],
        "vote_groups_postgres": ["vote_groups.py", "--database-url", postgres, *(["--voters", "200"] if quick else [])],
        "pages": ["pages.py", *(["--decisions", "100", "--members", "60", "--comments", "50", "--runs", "5"]
                                if quick else ["--runs", "20"])],
        "assembly_pv": ["assembly_pv.py", *(["--associates", "40", "--resolutions", "5", "--runs", "1"]
                                            if quick else ["--runs", "3"])],
        "live_vote": ["live_vote.py", "--voters", voters, *(["--window", "5"] if quick else [])],
        "live_vote_2_workers": ["live_vote.py", "--voters", voters, "--workers", "2", "--database-url", postgres,
                                "--no-bare", *(["--window", "5"] if quick else [])],
    }


def git(*command: str) -> str:
    try:
        return subprocess.run(["git", *command], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_one(name: str, script: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "figures.json")
        command = [sys.executable, os.path.join(HERE, script[0]), *script[1:], "--json", out]
        print(f"\n=== {name}: {' '.join(['bench/' + script[0], *script[1:]])}", flush=True)
        record = {"benchmark": name, "date": datetime.now(UTC).isoformat(timespec="seconds"),
                  "machine": machine(), "git": {"commit": git("rev-parse", "HEAD"),
                                                "changes_in_checkout": bool(git("status", "--porcelain"))},
                  "command": ["bench/" + script[0], *script[1:]], "load_average_before": load()}
        started = time.monotonic()
        # The output goes to the terminal as it comes; its end is kept for the record of a failure.
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        tail: list[str] = []
        for line in proc.stdout:
            sys.stdout.write(line)
            tail = (tail + [line.rstrip("\n")])[-40:]
        status = proc.wait()
        record["wall_s"] = round(time.monotonic() - started, 1)
        record["load_average_after"] = load()
        if status == 0 and os.path.exists(out):
            with open(out) as source:
                figures = json.load(source)
            record["parameters"] = figures.pop("parameters", {})
            record["figures"] = figures
        else:
            record["failed"] = {"exit_status": status, "output_tail": tail}
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the scripts, not the figures")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks")
    parser.add_argument("--voters", type=int, help="live-vote clients (default 1,000; 100 with --quick)")
    parser.add_argument("--database-url", help="PostgreSQL database for the two workers (dropped and created; "
                                               "default facettes_bench_<pid> on 127.0.0.1:5432)")
    parser.add_argument("--results", default=RESULTS, help="folder of the JSON files (default bench/results)")
    args = parser.parse_args()
    selected = benchmarks(args)
    unknown = set(args.only or ()) - set(selected)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(selected)}")
    os.makedirs(args.results, exist_ok=True)
    failed = []
    started = time.monotonic()
    bare = None
    for name, script in selected.items():
        if args.only and name not in args.only:
            continue
        record = run_one(name, script)
        figures = record.get("figures") or {}
        if name == "live_vote" and "bare" in figures.get("median_of_runs", {}):
            bare = figures["median_of_runs"]["bare"]
        if name == "live_vote_2_workers" and bare is not None and "facettes" in figures.get("median_of_runs", {}):
            # The bare server ran in live_vote: the two workers are compared with its medians.
            facettes = figures["median_of_runs"]["facettes"]
            figures["ratio_facettes_to_bare"] = {
                "ack_p95": ratio(facettes["ack_p95"], bare["ack_p95"]),
                "convergence": ratio(facettes["convergence"], bare["convergence"]),
                "of": "medians of the runs; the bare server's from live_vote.json of the same command",
            }
        if "failed" in record:
            failed.append(name)
        path = os.path.join(args.results, f"{name}.json")
        with open(path, "w") as out:
            json.dump(record, out, indent=2, ensure_ascii=False)
            out.write("\n")
        print(f"=== {name}: {'FAILED' if name in failed else 'done'} in {record['wall_s']} s -> "
              f"{os.path.relpath(path, ROOT)}", flush=True)
    print(f"\nall benchmarks in {time.monotonic() - started:.0f} s" + (f"; failed: {', '.join(failed)}" if failed
                                                                      else ""))
    sys.exit(1 if failed else 0)


def ratio(facettes: float | None, bare: float | None) -> float | None:
    return round(facettes / bare, 2) if facettes is not None and bare else None


if __name__ == "__main__":
    main()
