"""One configuration: every variable the project reads is in daofu.config, the README and `daofu config`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from channels.wechat.events import MENU_PAYLOADS
from daofu.config import VARIABLES, Settings, SettingsError
from daofu.settings_cli import markdown_table

ROOT = Path(__file__).resolve().parents[1]
DAOFU = ROOT / ".venv" / "bin" / "daofu"


def test_the_readme_table_is_the_table_of_record():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, "regenerate the README's table with `daofu config --markdown`"


def test_every_daofu_variable_named_in_the_code_is_declared():
    declared = {variable.name for variable in VARIABLES}
    named: set[str] = set()
    for package in ("daofu", "knowledge", "indexer", "bot", "channels"):
        for path in (ROOT / package).rglob("*.py"):
            named |= set(re.findall(r"\bDAOFU_[A-Z0-9_]*[A-Z0-9]\b", path.read_text(encoding="utf-8")))
    # The WeChat menu's event keys look like variables but are button keys of the account's menu.
    assert named - declared - set(MENU_PAYLOADS) == set()


def test_nothing_outside_the_settings_module_reads_the_environment():
    readers = []
    pattern = re.compile(r"os\.environ\.get|os\.getenv|os\.environ\[[^]]+\](?!\s*=)")
    for package in ("knowledge", "indexer", "bot", "channels"):
        for path in (ROOT / package).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    readers.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert readers == []


def test_defaults_need_no_environment():
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.database_url.startswith("sqlite:///") and settings.rasa_url == "http://127.0.0.1:5005"
    assert settings.public_url == "http://127.0.0.1:8000"


def test_values_are_parsed_and_empty_ones_are_unset():
    settings = Settings.from_env(
        {"DAOFU_PORT": "8080", "DAOFU_CHANNELS": "widget, forms", "DAOFU_WECHAT_TEST_HOOKS": "1", "DAOFU_HOST": " "}
    )
    assert settings.port == 8080 and settings.channels == ("widget", "forms") and settings.wechat_test_hooks
    assert settings.host == "127.0.0.1" and settings.is_set("DAOFU_PORT") and not settings.is_set("DAOFU_HOST")


@pytest.mark.parametrize(
    "name, value, problem",
    [
        ("DAOFU_PORT", "abc", "not a port"),
        ("DAOFU_PORT", "70000", "not a port"),
        ("DAOFU_RASA_PORT", "-1", "not a port"),
        ("DAOFU_ENCODER_THREADS", "0", "not a positive whole number"),
        ("DAOFU_CHANNELS", "widget,telegram", "unknown channels"),
        ("DAOFU_PUBLIC_URL", "zwfw.ningbo.gov.cn", "not an http(s) address"),
        ("DAOFU_DATABASE_URL", "knowledge.db", "not a database URL"),
        ("DAOFU_LOCK_REDIS_URL", "127.0.0.1:6379", "not a Redis URL"),
        ("DAOFU_WECHAT_REPLY_DEADLINE", "soon", "not a number of seconds"),
        ("DAOFU_WECHAT_TEST_HOOKS", "maybe", "not a yes/no value"),
        ("DAOFU_FORM_URL_TEMPLATE", "{portal}/x", "not a link template"),
    ],
)
def test_a_bad_value_names_the_variable_and_what_to_write(name, value, problem):
    with pytest.raises(SettingsError) as error:
        Settings.from_env({name: value})
    assert error.value.variable == name and problem in str(error.value) and str(error.value).startswith(name)


def test_secrets_are_not_shown():
    shown = dict(Settings.from_env({"DAOFU_RASA_TOKEN": "s3cret-token", "DAOFU_PORT": "8001"}).shown())
    assert shown["DAOFU_RASA_TOKEN"] == "(set)" and shown["DAOFU_PORT"] == "8001"


def _daofu(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(DAOFU), *args], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120
    )


def test_a_bad_value_stops_a_command_with_one_line_and_exit_code_2():
    result = _daofu("serve", DAOFU_PORT="eighty")
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "daofu serve: configuration error: DAOFU_PORT: 'eighty' is not a port; write a whole number from 1 to 65535"
    ]


def test_the_setup_command_reports_a_bad_value_the_same_way():
    result = subprocess.run(
        [sys.executable, "-m", "daofu.bootstrap", "run"], cwd=ROOT, env={**os.environ, "DAOFU_PORT": "x"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2 and "DAOFU_PORT" in result.stderr and "Traceback" not in result.stderr


def test_daofu_config_lists_every_variable_with_its_value():
    result = _daofu("config", DAOFU_PORT="8123", DAOFU_AGENT_TOKENS="a1:token-one-123")
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert set(lines) == {variable.name for variable in VARIABLES}
    assert "8123" in lines["DAOFU_PORT"] and "(default)" not in lines["DAOFU_PORT"]
    assert "token-one-123" not in result.stdout and "(set)" in lines["DAOFU_AGENT_TOKENS"]
