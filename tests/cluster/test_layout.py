"""The cluster's state and nginx's configuration, without starting anything but `nginx -t`."""

from __future__ import annotations

from pathlib import Path

import pytest

from daofu.cluster import nginx
from daofu.cluster.layout import DEFAULT_PUBLIC_PORT, INTERNAL_PORTS, ClusterError, Layout, State


def test_ports_are_chosen_once_and_kept(tmp_path: Path) -> None:
    layout = Layout(tmp_path / "cluster")
    state = State()
    state.assign_ports(None)
    assert state.ports["public"] == DEFAULT_PUBLIC_PORT
    assert len({state.ports[name] for name in INTERNAL_PORTS}) == len(INTERNAL_PORTS)
    state.pids["redis"] = 1234
    state.save(layout)
    again = State.load(layout)
    again.assign_ports(None)
    assert again.ports == state.ports and again.pids == {"redis": 1234}
    again.assign_ports(18080)
    assert again.ports["public"] == 18080


def test_a_damaged_state_file_is_reported_with_what_to_do(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    layout.state_file.write_text("{not json")
    with pytest.raises(ClusterError, match="daofu cluster down"):
        State.load(layout)


def test_the_nginx_configuration_is_complete_and_accepted_by_nginx(tmp_path: Path) -> None:
    if not nginx.NGINX.exists():
        pytest.fail(f"{nginx.NGINX} is missing: install nginx (apt-get install nginx; ./scripts/test.sh does it)")
    layout = Layout(tmp_path / "cluster")
    layout.create()
    state = State()
    state.assign_ports(None)
    text = nginx.render(layout, state)
    assert "{" + "public_port}" not in text and f"listen 127.0.0.1:{state.ports['public']};" in text
    assert f"server 127.0.0.1:{state.ports['service-1']} max_fails=1" in text
    assert nginx.write_config(layout, state).exists()  # runs `nginx -t` on it
