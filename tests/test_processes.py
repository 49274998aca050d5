"""How ``daofu run`` starts, restarts and stops servers, with real (small) processes.

Rasa's endpoints.yml is read back with PyYAML and with Rasa's own loader; the supervisor's
restart and give-up rules run on short-lived Python processes, so they take seconds, not the
minute a real Rasa needs (the real one is killed in tests/e2e/test_lifecycle.py).
"""

from __future__ import annotations

import logging
import stat
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from sqlalchemy import create_engine, text

from daofu.config import PROJECT_ROOT, Settings
from daofu.ports import free_port
from daofu.processes import (
    ManagedProcess,
    ServerPair,
    shown_command,
    wait_until_healthy,
    write_rasa_endpoints,
)
from daofu.processes import make_runtime_dir as make_scratch
from daofu.records import ConversationRecords
from daofu.secrets import action_token, rasa_token
from daofu.supervisor import GaveUp, RestartPolicy, Supervisor
from tests.e2e.conftest import make_runtime_dir

AWKWARD_PASSWORD = "p@ss:w\"o'rd #1\n{x}: [y]"


def test_endpoints_survive_a_password_with_quotes_colons_and_newlines(tmp_path):
    url = f"postgresql+psycopg://daofu:{quote(AWKWARD_PASSWORD, safe='')}@db.example:5433/tracker"
    settings = Settings(var_dir=tmp_path, tracker_db_url=url, lock_redis_url="redis://:s3cr%3At@cache:6380/2")
    path = write_rasa_endpoints(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert loaded["tracker_store"] == {
        "type": "SQL", "dialect": "postgresql", "url": "db.example", "port": 5433, "db": "tracker",
        "username": "daofu", "password": AWKWARD_PASSWORD,
    }  # fmt: skip
    assert loaded["lock_store"] == {"type": "redis", "url": "cache", "port": 6380, "db": 2, "password": "s3cr:t"}
    assert loaded["action_endpoint"]["headers"]["X-Daofu-Action-Token"] == action_token(settings)


def test_rasa_reads_the_awkward_password_back_unchanged(tmp_path):
    url = f"postgresql://daofu:{quote(AWKWARD_PASSWORD, safe='')}@127.0.0.1:5432/tracker"
    path = write_rasa_endpoints(Settings(var_dir=tmp_path, tracker_db_url=url))
    script = (
        "import sys; from rasa.core.utils import read_endpoints_from_path as read; "
        "sys.stdout.write(repr(read(sys.argv[1]).tracker_store.kwargs['password']))"
    )
    rasa_python = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
    result = subprocess.run([str(rasa_python), "-c", script, str(path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == repr(AWKWARD_PASSWORD)


def test_rasa_always_gets_an_api_token(tmp_path):
    settings = Settings(var_dir=make_runtime_dir(tmp_path))
    pair = ServerPair(settings)
    assert pair.rasa is not None
    command = pair.rasa.command
    token = rasa_token(settings)
    assert f"--auth-token={token}" in command and len(token) >= 32
    assert stat.S_IMODE((settings.var_dir / "secrets" / "rasa-token").stat().st_mode) == 0o600
    assert pair.rasa.health_url.endswith(f"/status?token={token}")
    assert token not in " ".join(shown_command(command)) and "--auth-token=(secret)" in shown_command(command)
    configured = Settings(var_dir=tmp_path, rasa_token="configured-token-0123456789")
    assert rasa_token(configured) == "configured-token-0123456789"


def test_a_token_that_begins_with_a_dash_reaches_rasa_as_the_token(tmp_path):
    # Random URL-safe tokens begin with "-" one time in 64; Rasa's own parser must still read it.
    token = "-starts-with-a-dash-0123456789abcdef"
    command = ServerPair(Settings(var_dir=make_runtime_dir(tmp_path), rasa_token=token)).rasa.command
    script = (
        "import sys\n"
        "from rasa.__main__ import create_argument_parser\n"
        "sys.stdout.write(create_argument_parser().parse_args(sys.argv[1:]).auth_token)"
    )
    rasa_python = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
    arguments = command[command.index("run") :]
    result = subprocess.run([str(rasa_python), "-c", script, *arguments], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == token
    assert shown_command(["rasa", "--auth-token", token]) == ["rasa", "--auth-token", "(secret)"]


def python_process(tmp_path: Path, name: str, code: str) -> ManagedProcess:
    return ManagedProcess(name, [sys.executable, "-c", code], "http://127.0.0.1:9/", tmp_path / f"{name}.log")


def test_the_service_is_stopped_while_rasa_still_runs(tmp_path):
    """The service's last pushes may still need Rasa: it stops first, and Rasa is still there then."""
    rasa = python_process(tmp_path, "rasa", "import time; time.sleep(60)")
    marker = tmp_path / "rasa-alive-at-service-stop"
    code = (
        "import os, signal, sys, time\n"
        "def stop(*_):\n"
        f"    os.kill(int(sys.argv[1]), 0)  # raises if Rasa is gone\n"
        f"    open({str(marker)!r}, 'w').write('yes')\n"
        "    sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "time.sleep(60)\n"
    )
    rasa.start()
    service = ManagedProcess("service", [sys.executable, "-c", code, str(rasa.process.pid)], "", tmp_path / "s.log")
    service.start()
    time.sleep(0.5)  # let the service install its handler
    ServerPair(Settings(var_dir=tmp_path), processes=(rasa, service)).stop()
    assert marker.read_text() == "yes"
    assert rasa.exited() is not None and service.exited() is not None


def test_restart_delays_double_and_the_limit_ends_it():
    policy = RestartPolicy(limit=5, window=60)
    assert [policy.crashed(t) for t in (0, 1, 2, 3)] == [1, 2, 4, 8]
    assert policy.crashed(4) is None
    spaced = RestartPolicy(limit=3, window=10)
    assert [spaced.crashed(t) for t in (0, 20, 40, 60)] == [1, 1, 1, 1]  # old crashes leave the window


def test_the_supervisor_restarts_a_crashed_server_then_gives_up_in_one_line(tmp_path):
    crasher = python_process(tmp_path, "rasa", "import sys; print('model file is broken'); sys.exit(3)")
    crasher.start()
    supervisor = Supervisor([crasher], lambda: RestartPolicy(limit=3, window=60, first_delay=0.05))
    pids = {crasher.process.pid}
    deadline = time.monotonic() + 30
    with pytest.raises(GaveUp) as gave_up:
        while time.monotonic() < deadline:
            supervisor.check()
            pids.add(crasher.process.pid)
            time.sleep(0.02)
    assert len(pids) == 3  # started, restarted twice, then the third crash ends it
    message = str(gave_up.value)
    assert "\n" not in message
    assert "rasa crashed 3 times within 60 s" in message and "exit code 3" in message
    assert "model file is broken" in message


def test_servers_stop_when_their_supervisor_is_killed_hard(tmp_path):
    """``kill -9`` of ``daofu run`` cannot run its stop(); the servers must not outlive it anyway."""
    parent_code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from daofu.processes import ManagedProcess\n"
        "child = ManagedProcess('rasa', [sys.executable, '-c', 'import time; time.sleep(120)'], '', "
        f"Path({str(tmp_path / 'child.log')!r}), die_with_parent=True)\n"
        "child.start()\n"
        "print(child.process.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    assert Path(f"/proc/{child}").exists()
    parent.kill()
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{child}").exists()


def test_a_health_url_with_a_token_is_logged_without_it(tmp_path, caplog):
    """Rasa's health check carries its API token; the "is healthy" line must not show it."""
    port = free_port()
    server = ManagedProcess(
        "rasa",
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(tmp_path)],
        f"http://127.0.0.1:{port}/?token=secret-token-0123456789",
        tmp_path / "rasa.log",
    )
    server.start()
    try:
        with caplog.at_level(logging.INFO, logger="daofu.processes"):
            wait_until_healthy([server], timeout=30)
    finally:
        server.stop()
    assert f"rasa is healthy at http://127.0.0.1:{port}/" in caplog.text
    assert "secret-token" not in caplog.text


def test_a_scratch_runtime_keeps_the_catalogue_and_none_of_the_conversations(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    engine = create_engine(f"sqlite:///{source / 'knowledge.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE matter (code TEXT PRIMARY KEY, name TEXT)"))
        connection.execute(text("INSERT INTO matter VALUES ('NBC-A-001', '居民身份证换领')"))
    ConversationRecords(engine).add_unanswered("someone", "api", "我想申请成为宇航员", "nothing")
    engine.dispose()

    scratch = make_scratch(tmp_path / "scratch", source)
    copied = create_engine(f"sqlite:///{scratch / 'knowledge.db'}")
    with copied.connect() as connection:
        assert connection.execute(text("SELECT name FROM matter")).scalars().all() == ["居民身份证换领"]
    assert ConversationRecords(copied).unanswered_between(datetime(2000, 1, 1), datetime(2100, 1, 1)) == []
    copied.dispose()
    kept = ConversationRecords(create_engine(f"sqlite:///{source / 'knowledge.db'}"))
    assert len(kept.unanswered_between(datetime(2000, 1, 1), datetime(2100, 1, 1))) == 1
