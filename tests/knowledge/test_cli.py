"""The catalog and guide commands, as a person runs them (the installed ``daofu`` script) and in-process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from daofu.cli import main
from daofu.config import PROJECT_ROOT
from knowledge import DEMO_NOTICE
from knowledge.stats import CITY_FIGURES

DAOFU = Path(sys.executable).parent / "daofu"


def run(args: list[str], var_dir: Path) -> subprocess.CompletedProcess[str]:
    if not DAOFU.exists():
        pytest.fail(f"{DAOFU} is missing: install the project into this environment (python -m daofu.bootstrap setup)")
    env = {**os.environ, "DAOFU_VAR_DIR": str(var_dir)}
    env.pop("DAOFU_DATABASE_URL", None)
    return subprocess.run([str(DAOFU), *args], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=300)


@pytest.fixture
def demo_var(demo_copy: Path) -> Path:
    return demo_copy.parent


@pytest.mark.parametrize(
    "args",
    [
        ["catalog"],
        ["catalog", "build"],
        ["catalog", "ensure"],
        ["catalog", "import"],
        ["catalog", "stats"],
        ["guide"],
        ["guide", "show"],
    ],
)
def test_help_everywhere(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--help"])
    assert exit_info.value.code == 0
    assert "usage: daofu" in capsys.readouterr().out


def test_stats_command(demo_var: Path) -> None:
    result = run(["catalog", "stats"], demo_var)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "办事指南 31,224 条" in out and "演示数据" in out and DEMO_NOTICE in out
    for district in ("海曙区", "鄞州区", "慈溪市"):
        assert district in out
    assert "市公布 97.80%" in out and "市公布 88.05%" in out


def test_stats_json(demo_var: Path) -> None:
    result = run(["catalog", "stats", "--json"], demo_var)
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["guides"] == 31_224 and stats["demo"] is True and stats["notice"] == DEMO_NOTICE
    assert sum(stats["by_level"].values()) == 31_224
    assert sum(stats["by_district"].values()) == 31_224
    assert sum(stats["by_type"].values()) == 31_224
    assert set(stats["by_service_object"]) == {"自然人", "法人"}
    for key, city in CITY_FIGURES.items():
        share = stats["shares"][key]
        assert share["city_percent"] == city and 0 <= share["percent"] <= 100


def test_guide_show_by_id(demo_var: Path) -> None:
    result = run(["guide", "show", "NB-330212-NBC-A-020"], demo_var)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("户口注销（重复户口） — 鄞州区")
    for heading in ("【受理条件】", "【申请材料】", "【办理流程】", "【办理时限】", "【办理地点】", "【咨询电话】"):
        assert heading in out
    assert "宁波市公安局鄞州分局" in out and DEMO_NOTICE in out


def test_guide_show_by_name_and_region(demo_var: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.setenv("DAOFU_VAR_DIR", str(demo_var))
    monkeypatch.delenv("DAOFU_DATABASE_URL", raising=False)
    assert main(["guide", "show", "--name", "居民身份证换领", "--region", "南门街道", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["guide_id"] == "NB-330203001-NBC-A-033" and shown["district"] == "海曙区"
    assert shown["demo"] is True and shown["form_url"].endswith("guide=NB-330203001-NBC-A-033")


def test_guide_not_found_lists_close_names(demo_var: Path) -> None:
    result = run(["guide", "show", "--name", "身份证", "--region", "鄞州区"], demo_var)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1  # one line
    assert "no matter named '身份证'; close names: " in result.stderr and "居民身份证换领" in result.stderr
    by_id = run(["guide", "show", "NB-330212-NBC-A-0200"], demo_var)
    assert by_id.returncode == 1 and "close ids: NB-330212-NBC-A-020" in by_id.stderr


def test_guide_show_needs_an_id_or_a_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["guide", "show"])
    assert exit_info.value.code == 2
    assert "give either a guide ID or --name" in capsys.readouterr().err


def test_commands_without_a_catalogue_say_what_to_do(cli_env: Path) -> None:
    result = run(["catalog", "stats"], cli_env)
    assert result.returncode == 1
    assert "daofu catalog build" in result.stderr and "Traceback" not in result.stderr
    assert not (cli_env / "knowledge.db").exists()


def test_bad_file_through_the_installed_command(cli_env: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind":"catalog","format_version":1,"name":"x","demo":true}\n{"kind":"region","code":"1"\n')
    result = run(["catalog", "import", str(bad)], cli_env)
    assert result.returncode == 1
    assert f"{bad}:2: invalid JSON" in result.stderr and "Traceback" not in result.stderr
