"""Tally 10,000 ballots over 10 options with Schulze and with majority judgment.

Not a test: run it by hand (see bench/README.md) and copy the figures into
docs/performance.md ("Tally"). Two layers are timed, each the median of several runs:

- the pure methods (app.votes.methods), fed plain data;
- the engine's bridge (app.votes.tally.tally), fed the stored JSON contents, as
  `close_ballot` does: what a member waits for when a ballot closes.

    .venv/bin/python bench/tally.py [--ballots 10000] [--options 10] [--runs 7] [--seed 1] [--json out.json]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from fractions import Fraction
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import write_json  # noqa: E402

from app.votes.methods import tally_majority_judgment, tally_schulze  # noqa: E402
from app.votes.tally import tally  # noqa: E402


def schulze_ballots(rng: random.Random, option_ids: list[int], count: int) -> list[list[list[int]]]:
    """Rankings best first, with ties (one pair in five) and truncated ones (one in four)."""
    weights = [rng.random() for _ in option_ids]  # a shared bias, so the contest is not pure noise
    ballots = []
    for _ in range(count):
        order = sorted(option_ids, key=lambda o: -weights[option_ids.index(o)] * rng.random())
        if rng.random() < 0.25:
            order = order[: rng.randint(1, len(order))]
        groups: list[list[int]] = []
        for option in order:
            if groups and rng.random() < 0.2:
                groups[-1].append(option)
            else:
                groups.append([option])
        ballots.append([sorted(group) for group in groups])
    return ballots


def judgment_ballots(rng: random.Random, option_ids: list[int], count: int) -> list[dict[str, int]]:
    centres = {o: rng.uniform(1, 5) for o in option_ids}
    return [{str(o): min(6, max(0, round(rng.gauss(centres[o], 1.5)))) for o in option_ids} for _ in range(count)]


def median_time(func, runs: int) -> tuple[float, float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times)


def fake_ballot(method: str, option_ids: list[int]) -> SimpleNamespace:
    """What tally() reads from a Ballot, without a database."""
    options = [SimpleNamespace(id=o, label=f"Option {o}") for o in option_ids]
    return SimpleNamespace(method=method, options=options, seats=1, majority=Fraction(1, 2),
                           majority_base="votes_cast", majority_strict=True, quorum=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ballots", type=int, default=10_000)
    parser.add_argument("--options", type=int, default=10)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    option_ids = list(range(1, args.options + 1))
    labels = {o: f"Option {o}" for o in option_ids}

    rankings = schulze_ballots(rng, option_ids, args.ballots)
    grades = judgment_ballots(rng, option_ids, args.ballots)
    pure_rankings = [[[labels[o] for o in group] for group in ballot] for ballot in rankings]
    pure_grades = [{labels[int(o)]: g for o, g in ballot.items()} for ballot in grades]
    ordered = [labels[o] for o in option_ids]
    schulze_contents = [{"ranking": ballot} for ballot in rankings]
    judgment_contents = [{"grades": ballot} for ballot in grades]

    cases = [
        ("Schulze, pure method", lambda: tally_schulze(ordered, pure_rankings)),
        ("Schulze, engine (JSON contents -> result)",
         lambda: tally(fake_ballot("schulze", option_ids), schulze_contents, args.ballots, args.ballots)),
        ("Majority judgment, pure method", lambda: tally_majority_judgment(ordered, pure_grades)),
        ("Majority judgment, engine (JSON contents -> result)",
         lambda: tally(fake_ballot("majority_judgment", option_ids), judgment_contents, args.ballots, args.ballots)),
    ]
    print(f"{args.ballots} ballots, {args.options} options, median of {args.runs} runs (seed {args.seed})")
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPU(s)")
    figures = {"parameters": {"ballots": args.ballots, "options": args.options, "runs": args.runs,
                              "seed": args.seed}, "cases": {}}
    for name, func in cases:
        median, low, high = median_time(func, args.runs)
        print(f"  {name:<52} {median * 1000:8.1f} ms  (min {low * 1000:.1f}, max {high * 1000:.1f})")
        figures["cases"][name] = {"median_ms": round(median * 1000, 1), "min_ms": round(low * 1000, 1),
                                  "max_ms": round(high * 1000, 1)}
    winner = tally_schulze(ordered, pure_rankings).winners
    print(f"  (Schulze winners: {', '.join(winner)}; majority judgment winners: "
          f"{', '.join(tally_majority_judgment(ordered, pure_grades).winners)})")
    write_json(args.json, figures)


if __name__ == "__main__":
    main()
