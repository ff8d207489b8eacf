"""The install: one ``tradeassist`` namespace, locks that agree with pyproject.toml, nothing shadowed."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
#: Each lock and the extras it resolves (besides the base dependencies).
LOCKS = {"requirements.lock": ("dev",), "requirements-local-llm.lock": ("dev", "local-llm")}
#: The folders that install as ``tradeassist.<name>``: none may import as a top-level module.
PROJECT_FOLDERS = ("chat", "cli", "core", "ingest", "kernels", "retrieval", "signals", "sql")
#: The platform the locks are resolved for (make lock's --python-version / --python-platform).
LOCK_ENVIRONMENT = {**default_environment(), "python_version": "3.11", "python_full_version": "3.11.0",
                    "sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64"}


def lock_pins(name: str) -> dict[str, tuple[Version, int]]:
    """A lock's pins: canonical package name -> (version, number of hashes)."""
    pins: dict[str, tuple[Version, int]] = {}
    current = None
    for line in (ROOT / name).read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9._-]+)==(\S+)", line):
            current = canonicalize_name(match.group(1))
            pins[current] = (Version(match.group(2)), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def asked_for(extras: tuple[str, ...]) -> list[Requirement]:
    """The base dependencies and those of ``extras``, as pyproject.toml states them."""
    project = PYPROJECT["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


def test_every_package_folder_is_installed():
    """A sub-package left out of pyproject's list would be missing from the wheel: the list is complete."""
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {"tradeassist"} | {
        "tradeassist." + ".".join(init.parent.relative_to(ROOT).parts)
        for folder in PROJECT_FOLDERS for init in (ROOT / folder).rglob("__init__.py")
    }
    assert listed == found
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {"tradeassist": "."}


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_lock_pins_every_requirement_within_its_range(lock):
    """Each requirement of pyproject (for the lock's extras) is pinned, inside its range, with a hash."""
    pins = lock_pins(lock)
    assert pins, f"{lock} pins nothing"
    problems = []
    for requirement in asked_for(LOCKS[lock]):
        if requirement.marker is not None and not requirement.marker.evaluate(LOCK_ENVIRONMENT):
            continue
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{requirement} is not in {lock}: run `make lock`")
            continue
        version, hashes = pins[name]
        if not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{lock} pins {name}=={version}, outside {requirement}: run `make lock`")
    problems += [f"{name} has no hash in {lock}" for name, (_, hashes) in pins.items() if hashes == 0]
    assert not problems, "\n".join(problems)


def test_the_two_locks_pin_the_same_versions():
    """The local-llm lock adds packages to the base lock and changes none of its versions."""
    base, full = lock_pins("requirements.lock"), lock_pins("requirements-local-llm.lock")
    assert {name: pin[0] for name, pin in base.items()} == {name: full[name][0] for name in base if name in full}
    assert set(base) <= set(full)


def test_installed_versions_are_the_locked_ones():
    """The running environment holds what the lock pins (an install that drifted fails here)."""
    from importlib.metadata import PackageNotFoundError, version

    drift = []
    for name, (pinned, _) in lock_pins("requirements.lock").items():
        try:
            installed = Version(version(name))
        except PackageNotFoundError:
            drift.append(f"{name}=={pinned} is not installed")
            continue
        if installed != pinned:
            drift.append(f"{name}: {installed} installed, {pinned} locked")
    assert not drift, "\n".join(drift)


def _where(names: tuple[str, ...], cwd: Path, *flags: str) -> dict[str, str | None]:
    """Where each module name resolves in a fresh interpreter started in ``cwd`` (None: nowhere)."""
    code = (
        "import importlib.util, json, sys\n"
        "out = {}\n"
        "for name in sys.argv[1:]:\n"
        "    spec = importlib.util.find_spec(name)\n"
        "    out[name] = None if spec is None else (spec.origin or list(spec.submodule_search_locations or []))\n"
        "print(json.dumps(out))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    done = subprocess.run([sys.executable, *flags, "-c", code, *names], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    import json

    return json.loads(done.stdout)


@pytest.mark.parametrize("where", ["elsewhere", "repository root with -P"])
def test_no_project_folder_imports_as_a_top_level_module(where, tmp_path):
    """``kernels`` is the PyPI package (transformers imports it); core, sql ... resolve nowhere in the project."""
    cwd, flags = (tmp_path, ()) if where == "elsewhere" else (ROOT, ("-P",))
    found = _where(PROJECT_FOLDERS, cwd, *flags)
    inside = {name: origin for name, origin in found.items() if str(ROOT / name) in str(origin)}
    assert not inside, f"project folders importable as top-level modules: {inside}"
    assert found["kernels"] is not None and "site-packages" in str(found["kernels"])
    # ... while the namespace maps to this checkout (the editable install make install made).
    assert str(ROOT / "sql") in str(_where(("tradeassist.sql",), cwd, *flags)["tradeassist.sql"])


def test_transformers_imports_next_to_the_project():
    """transformers imports the PyPI ``kernels`` package; the project's kernels folder no longer shadows it."""
    done = subprocess.run([sys.executable, "-P", "-c", "import transformers.activations, tradeassist.kernels.kernelspec"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
