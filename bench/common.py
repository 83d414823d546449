"""Helpers shared by the benchmark scripts: throwaway databases, percentiles, machine facts, JSON output.

Nothing here imports the application, so a script may patch gevent before importing it.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import time


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def prepare_database(url: str) -> None:
    """A PostgreSQL database is dropped and created empty; a SQLite file needs nothing."""
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    admin.dispose()


def drop_database(url: str) -> None:
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    admin.dispose()


def backend(url: str) -> str:
    import sqlalchemy as sa

    return sa.engine.make_url(url).get_backend_name()


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict:
    return {"cpu_model": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()} {platform.machine()}"}


def write_json(path: str | None, figures: dict) -> None:
    """Figures for bench/run_all.py, which wraps them with the date, machine and load."""
    if path:
        with open(path, "w") as out:
            json.dump(figures, out, indent=2)


# --- processes, for the live benchmark ----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process=None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat, fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def runqueue_wait_seconds(pid: int) -> float:
    """Time the process's main thread was runnable but waiting for a core (/proc/<pid>/schedstat)."""
    with open(f"/proc/{pid}/schedstat") as stat:
        return int(stat.read().split()[1]) / 1e9


def memory_kib(pid: int) -> dict:
    """VmHWM (peak resident set) and VmRSS of a live process, in KiB."""
    found = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                found[key] = int(value.split()[0])
    return found


def voters_and_open_ballot(voters: int, title: str):
    """In an app context on a migrated database: N members (ES, all in a seminar's electorate) and
    one open seminar ballot (for/against, secret, tally visible live), committed. (members, ballot)."""
    from datetime import date

    from app.extensions import db
    from app.governance import services as governance
    from app.members import services as members
    from app.votes import services

    people = [members.create_member(email=f"voter{i}@bench.example.org", full_name=f"Voter {i}", status="es",
                                    status_since=date(2024, 1, 1), shares=0) for i in range(voters)]
    ballot = services.create_ballot(title=title, level=governance.level_by_code("seminar"), method="yes_no",
                                    secrecy="secret", visibility="live")
    services.open_ballot(ballot)
    db.session.commit()
    return people, ballot
