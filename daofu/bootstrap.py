"""Set up everything from a clean checkout, then run the assistant or the tests.

This is what the README's two commands call (``scripts/run.sh`` and ``scripts/test.sh``). It runs
under any Python 3 on the machine, before any environment exists, so it uses only the standard
library. Every step is idempotent and skipped when its inputs did not change:

1. find Python 3.10 (for Rasa) and 3.11 (for everything else) on PATH or under pyenv;
2. create ``.venv-rasa`` and ``.venv`` and install the pinned requirements into them;
3. hand over to ``daofu setup`` inside ``.venv`` (model, catalogue, index, Rasa training);
4. ``run``: become ``daofu run`` (``exec``, so signals sent to the script reach it); ``test``:
   install the system packages the browser and database tests need, then become pytest.

Failures print one line that says what is wrong and how to fix it, and exit non-zero.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import NoReturn

from daofu.config import SettingsError, load_settings
from daofu.errors import DaofuError
from daofu.ports import ensure_ports_free

ROOT = Path(__file__).resolve().parent.parent
RASA_VENV = ROOT / ".venv-rasa"
SERVICE_VENV = ROOT / ".venv"
STAMP = ".daofu-stamp"
TEST_STAMP = ".daofu-stamp-test"

# Debian packages of the production profile on one machine (`daofu cluster up`), each with a file
# that shows it is installed.
CLUSTER_SYSTEM_PACKAGES = {
    "postgresql": "/usr/lib/postgresql",
    "redis-server": "/usr/bin/redis-server",
    "nginx": "/usr/sbin/nginx",
}
# Debian packages the test suite drives for real: a browser (with CJK fonts so Chinese renders),
# and the cluster's PostgreSQL, Redis and nginx for the production-shaped tests.
TEST_SYSTEM_PACKAGES = {
    "chromium": "/usr/bin/chromium",
    "chromium-driver": "/usr/bin/chromedriver",
    "fonts-noto-cjk": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    **CLUSTER_SYSTEM_PACKAGES,
}


class BootstrapError(DaofuError):
    """A setup step failed in a way the person running it can fix."""


def say(message: str) -> None:
    print(f"[daofu] {message}", flush=True)


def find_python(version: str) -> Path:
    """Return an interpreter for ``version`` ("3.10"): PATH first, then pyenv, then system dirs."""
    candidates: list[str] = []
    on_path = shutil.which(f"python{version}")
    if on_path:
        candidates.append(on_path)
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"), reverse=True)
    fallback_dirs = load_settings().python_fallback_dirs
    candidates += [f"{directory}/python{version}" for directory in fallback_dirs.split(":") if directory]
    for candidate in candidates:
        if _python_version(candidate) == version:
            return Path(candidate)
    raise BootstrapError(
        f"Python {version} was not found on PATH, under pyenv or in {fallback_dirs}; install it "
        f"(Debian: `apt install python{version} python{version}-venv`, or `pyenv install {version}`) "
        "and run this command again"
    )


def _python_version(executable: str) -> str | None:
    if not os.path.exists(executable) and not shutil.which(executable):
        return None
    try:
        result = subprocess.run(
            [executable, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def _digest(*parts: str | Path) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.read_bytes() if isinstance(part, Path) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _run(command: list[str], what: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        log_path = ROOT / "var" / "logs" / "setup-last-error.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text(result.stdout, encoding="utf-8")
        tail = [line for line in result.stdout.strip().splitlines() if "is ignored" not in line][-1:] or [""]
        raise BootstrapError(f"{what} failed: {tail[0].strip()} (full output: {log_path.relative_to(ROOT)})")


def ensure_venv(venv: Path, python: Path, requirements: Path, editable: bool = False, stamp_name: str = STAMP) -> None:
    """Create ``venv`` and install ``requirements`` unless its stamp says that is already done."""
    python_version = _python_version(str(python)) or "?"
    inputs: list[str | Path] = [python_version, requirements]
    if editable:
        inputs.append(ROOT / "pyproject.toml")
    wanted = _digest(*inputs)
    stamp = venv / stamp_name
    if stamp.exists() and stamp.read_text().strip() == wanted and (venv / "bin" / "python").exists():
        say(f"{venv.name}: up to date")
        return
    started = time.monotonic()
    if not (venv / "bin" / "python").exists():
        say(f"{venv.name}: creating with Python {python_version}")
        _run([str(python), "-m", "venv", str(venv)], f"creating {venv.name}")
    say(f"{venv.name}: installing {requirements.relative_to(ROOT)} (a few minutes the first time)")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    _run(pip + ["install", "-q", "-r", str(requirements)], f"installing {requirements.name} into {venv.name}")
    if editable:
        project = pip + ["install", "-q", "--no-deps", "--no-build-isolation", "-e", "."]
        _run(project, f"installing the project into {venv.name}")
    stamp.write_text(wanted + "\n")
    say(f"{venv.name}: ready in {time.monotonic() - started:.0f} s")


def ensure_environments(for_tests: bool = False) -> None:
    """Both environments; ``for_tests`` adds what only the test suite needs (requirements/test.txt)."""
    rasa_python = find_python("3.10")
    service_python = find_python("3.11")
    ensure_venv(RASA_VENV, rasa_python, ROOT / "requirements" / "rasa.txt")
    ensure_venv(SERVICE_VENV, service_python, ROOT / "requirements" / "service.txt", editable=True)
    if for_tests:
        ensure_venv(SERVICE_VENV, service_python, ROOT / "requirements" / "test.txt", stamp_name=TEST_STAMP)


def ensure_test_system_packages() -> None:
    """Install the Debian packages the browser and database tests need, when missing."""
    ensure_system_packages(TEST_SYSTEM_PACKAGES, "the tests")


def ensure_system_packages(packages: dict[str, str], who: str) -> None:
    """Install those of ``packages`` (name → a file it installs) that are missing, with apt-get."""
    missing = [name for name, probe in packages.items() if not os.path.exists(probe)]
    if not missing:
        return
    apt = shutil.which("apt-get")
    if apt is None:
        raise BootstrapError(f"{who} need {', '.join(missing)}, and there is no apt-get; install them first")
    prefix: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            raise BootstrapError(f"{who} need {', '.join(missing)}: run `sudo apt-get install {' '.join(missing)}`")
        prefix = ["sudo", "-n"]
    say(f"installing Debian packages for {who}: {', '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    _run(prefix + [apt, "update", "-q"], "apt-get update", env=env)
    _run(prefix + [apt, "install", "-y", "-q", "--no-install-recommends", *missing], "apt-get install", env=env)


def daofu(*args: str) -> list[str]:
    return [str(SERVICE_VENV / "bin" / "daofu"), *args]


def hand_over(command: list[str]) -> NoReturn:
    """Become ``command`` (same process id): a signal sent to ``scripts/run.sh`` reaches ``daofu run`` itself.

    Waiting on a child instead would leave the servers running when the script is sent SIGTERM:
    the bootstrap would die and its child would never hear of it.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(ROOT)
    os.execv(command[0], command)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m daofu.bootstrap",
        description="Set up the environments, model, catalogue, index and dialogue model; then run or test.",
    )
    parser.add_argument("action", choices=["setup", "run", "test"], help="what to do after setting up")
    parser.add_argument(
        "pytest_args", nargs=argparse.REMAINDER, help="extra arguments for pytest, options included (test only)"
    )
    args = parser.parse_args(argv)
    if args.pytest_args and args.action != "test":
        parser.error(f"extra arguments are for `test` only: {' '.join(args.pytest_args)}")
    try:
        if args.action == "run":
            ensure_ports_free()
        ensure_environments(for_tests=args.action == "test")
        setup = subprocess.run(daofu("setup"), cwd=ROOT)
        if setup.returncode != 0:
            return setup.returncode
        if args.action == "run":
            hand_over(daofu("run"))
        if args.action == "test":
            ensure_test_system_packages()
            hand_over([str(SERVICE_VENV / "bin" / "python"), "-m", "pytest", *args.pytest_args])
        return 0
    except SettingsError as exc:
        print(f"[daofu] configuration error: {exc}", file=sys.stderr)
        return 2
    except DaofuError as exc:
        print(f"[daofu] error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
