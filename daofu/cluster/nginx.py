"""nginx in front of the service instances: its configuration and how to start, check and reload it.

The configuration is ``nginx.conf.template`` beside this module with the cluster's ports filled
in; it is written to the state folder and used from there, with every path nginx writes (pid,
logs, temporary bodies) inside the state folder too. Debian's nginx binary is used as it is: no
system configuration is read or changed, and the system's own nginx service is not touched.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from daofu.cluster.layout import ClusterError, Layout, State

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
NGINX = Path("/usr/sbin/nginx")
TEMP_FOLDERS = ("client-body", "proxy", "fastcgi", "uwsgi", "scgi")
# Worker processes of an nginx started as root run as this user (it owns the temporary folders).
WORKER_USER = ("nobody", "nogroup")


def render(layout: Layout, state: State) -> str:
    """The template with the cluster's values; nginx's own ``$variables`` and braces are kept."""
    values = {
        "user": f"user {WORKER_USER[0]} {WORKER_USER[1]};" if os.geteuid() == 0 else "",
        "nginx_dir": str(layout.nginx_dir),
        "logs_dir": str(layout.logs_dir),
        "public_host": state.public_host,
        "public_port": str(state.ports["public"]),
        "actions_port": str(state.ports["actions"]),
        "service_1_port": str(state.ports["service-1"]),
        "service_2_port": str(state.ports["service-2"]),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    missing = set(re.findall(r"\{([a-z_0-9]+)\}", text)) - set(values)
    if missing:
        raise ClusterError(f"{TEMPLATE} uses unknown placeholders: {', '.join(sorted(missing))}")
    return re.sub(r"\{([a-z_0-9]+)\}", lambda match: values[match.group(1)], text)


def write_config(layout: Layout, state: State) -> Path:
    """Write the configuration and the folders it names; check it with ``nginx -t``."""
    for name in TEMP_FOLDERS:
        folder = layout.nginx_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(folder, *WORKER_USER)
    path = layout.nginx_dir / "nginx.conf"
    path.write_text(render(layout, state), encoding="utf-8")
    check = subprocess.run(command(layout, path) + ["-t", "-q"], capture_output=True, text=True)
    if check.returncode != 0:
        raise ClusterError(f"nginx refuses its configuration {path}: {check.stderr.strip()}")
    return path


def command(layout: Layout, config: Path | None = None) -> list[str]:
    """nginx in the foreground (the cluster keeps its id), with every path in the state folder."""
    if not NGINX.exists():
        raise ClusterError(f"nginx is not installed ({NGINX} is missing): apt-get install nginx")
    config = config or layout.nginx_dir / "nginx.conf"
    return [
        str(NGINX), "-p", str(layout.nginx_dir), "-c", str(config), "-e", str(layout.logs_dir / "nginx-error.log"),
        "-g", "daemon off;",
    ]  # fmt: skip
