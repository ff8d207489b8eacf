"""Benchmark of the command line's start: ``tradeassist --help`` and a first question, fresh processes.

Figures (medians over ``--repeat`` rounds, each command a new process, as a person runs it), as wall
time and as CPU time (user + system, which load from other work inflates far less):

- ``tradeassist --help``: Python, typer and every command's definition, no engine;
- ``tradeassist ask "latest close of AAPL"``: the whole first answer in a fresh process (imports,
  settings, routing, the catalog, plan, guard, run, summary), on the demo database in a temporary
  TRADEASSIST_HOME; the catalog's value index is read from the home folder, where the first
  question on an unchanged database saved it;
- the same question with that saved index removed before each run (the first question after the
  database was built or changed, which reads the values from the database);
- anchors in the same rounds: ``python -c pass`` (the interpreter's own start) and
  ``python -c "import pandas"`` (one library every SQL answer needs).

``--before DIR`` adds the same two commands run from another checkout (e.g. ``mkdir /tmp/cli_before &&
git archive <commit> | tar -x -C /tmp/cli_before``) through its entry point (``--before-entry``,
default ``core.cli:main``; ``tradeassist.cli.app:main`` for checkouts that have ``cli/``), in the same rounds, so
both see the same machine load.

Run: ``.venv/bin/python bench/cli_start.py [--repeat 5] [--before DIR]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TODAY = dt.date(2026, 11, 20)
QUESTION = "latest close of AAPL"


def entry_command(entry: str) -> list[str]:
    """A command line that runs ``module:function`` as the ``tradeassist`` script would."""
    module, _, function = entry.partition(":")
    code = f"import sys; sys.argv[0] = 'tradeassist'; from {module} import {function}; sys.exit({function}())"
    return [sys.executable, "-c", code]


def installed_command() -> list[str]:
    """The ``tradeassist`` script installed beside this interpreter (what a person types)."""
    script = Path(sys.executable).with_name("tradeassist")
    if not script.exists():
        raise SystemExit(f"{script} is missing: run `make install` first.")
    return [str(script)]


def timed_run(command: list[str], env: dict[str, str], expect: str, cwd: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run; fails loudly when the command fails or prints
    something else. CPU time is what a free machine's wall time would be, near enough, for a
    single-threaded start, so it is the figure to compare when other work shares the machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=cwd)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0 or expect not in done.stdout:
        raise SystemExit(f"{' '.join(command)[:200]} failed ({done.returncode}):\n{done.stdout[-1000:]}\n"
                         f"{done.stderr[-2000:]}")
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


#: Marks the row whose runs start without the saved value index (see ``forget_saved_catalog``).
NEW_DATABASE = "(no saved value index)"


def forget_saved_catalog(home: Path) -> None:
    """Remove what the catalog saved under ``home``, as if the database had just been built or changed."""
    shutil.rmtree(home / "cache" / "catalog", ignore_errors=True)


def figures(before: Path | None, before_entry: str) -> list[tuple[str, list[str], Path, str]]:
    """(label, command, working folder, text the output must hold) of every measured command."""
    after = installed_command()
    rows = [
        ("anchor: python -c pass", [sys.executable, "-c", "pass"], ROOT, ""),
        ("anchor: python -c 'import pandas'", [sys.executable, "-c", "import pandas"], ROOT, ""),
        ("tradeassist --help", [*after, "--help"], ROOT, "Usage"),
        (f"tradeassist ask '{QUESTION}'", [*after, "ask", QUESTION], ROOT, "route: sql"),
        (f"  the same {NEW_DATABASE}", [*after, "ask", QUESTION], ROOT, "route: sql"),
    ]
    if before is not None:
        # Run from inside the other checkout: its folder comes first on sys.path (before the
        # editable install's finder, which maps the packages to this checkout).
        old = [*entry_command(before_entry)]
        rows += [
            ("before: tradeassist --help", [*old, "--help"], before.resolve(), "Usage"),
            (f"before: tradeassist ask '{QUESTION}'", [*old, "ask", QUESTION], before.resolve(), "route: sql"),
        ]
    return rows


def main() -> None:
    """Build the demo database in a temporary home, time each command in turn, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="Rounds (default 5); each runs every command once.")
    parser.add_argument("--before", type=Path, help="Another checkout to time beside this one.")
    parser.add_argument("--before-entry", default="core.cli:main", help="Its entry point (module:function).")
    args = parser.parse_args()

    from tradeassist.sql.demo.build import build_demo

    with tempfile.TemporaryDirectory(prefix="tradeassist-cli-start-") as folder:
        home = Path(folder)
        build_demo(home / "demo.duckdb", today=TODAY, scale=1)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEASSIST_") and k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
        env.update(TRADEASSIST_HOME=str(home), TRADEASSIST_TODAY=TODAY.isoformat(), TRADEASSIST_OFFLINE_ONLY="true",
                   DO_NOT_TRACK="true", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", COLUMNS="100")
        rows = figures(args.before, args.before_entry)
        samples: list[list[tuple[float, float]]] = [[] for _ in rows]
        for _, command, cwd, expect in rows:  # warm-up: file caches, compiled bytecode
            timed_run(command, env, expect, cwd)
        for _ in range(args.repeat):
            for index, (label, command, cwd, expect) in enumerate(rows):
                if label.endswith(NEW_DATABASE):
                    forget_saved_catalog(home)
                samples[index].append(timed_run(command, env, expect, cwd))

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.machine()} {platform.system()}, {os.cpu_count()} CPUs, load avg {load:.1f}; "
          f"python {platform.python_version()}; {args.repeat} rounds, each command a fresh process")
    print(f"{'figure':<52} {'wall p50 s':>10} {'wall min s':>10} {'CPU p50 s':>10}")
    for (label, *_), runs in zip(rows, samples):
        wall = [w for w, _ in runs]
        cpu = [c for _, c in runs]
        print(f"{label:<52} {statistics.median(wall):>10.2f} {min(wall):>10.2f} {statistics.median(cpu):>10.2f}")


if __name__ == "__main__":
    main()
