"""``daofu cluster up|status|down``: the production profile on this machine (docs/production.md)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from daofu.cluster.layout import DEFAULT_PUBLIC_PORT

if TYPE_CHECKING:
    from daofu.cluster.control import Cluster, ComponentStatus


def register(subparsers: argparse._SubParsersAction) -> None:
    cluster = subparsers.add_parser(
        "cluster",
        help="the production profile on loopback: PostgreSQL, Redis, two Rasa, two services, nginx",
        description="Start, check and stop the production profile on this machine (docs/production.md). "
        "State, process ids and logs live under var/cluster (or --state-dir).",
    )
    cluster.add_argument(
        "--state-dir", type=Path, help="the cluster's folder: databases, logs, process ids (default: var/cluster)"
    )
    actions = cluster.add_subparsers(dest="cluster_command", metavar="ACTION", required=True)

    up = actions.add_parser(
        "up",
        help="start whatever does not run yet and wait until every component is healthy",
        description="Idempotent: running components are left alone, stopped or crashed ones are started. "
        "Installs postgresql, redis-server and nginx from Debian when they are missing (needs root).",
    )
    up.add_argument("--port", type=int, help=f"nginx's public port (default {DEFAULT_PUBLIC_PORT}, then as before)")
    up.add_argument("--host", help="address nginx listens on (default 127.0.0.1)")
    up.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for health (default 300)")
    up.set_defaults(handler=_up)

    status = actions.add_parser(
        "status",
        help="each process: port, pid, health (exit code 1 unless all are healthy)",
        description="Checks every component now: PostgreSQL and Redis answer, Rasa's /status, the services' "
        "/health (and whether they reach a Rasa), nginx's /nginx-health.",
    )
    shown = status.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="print the address and every component as JSON")
    shown.add_argument(
        "--pids", action="store_true", help="print only the running process ids, comma-separated (for load_bench.py)"
    )
    status.set_defaults(handler=_status)

    down = actions.add_parser(
        "down",
        help="stop everything: nginx, the services, Rasa, Redis, PostgreSQL",
        description="Stops in that order; data stays in the state folder unless --purge.",
    )
    down.add_argument("--purge", action="store_true", help="also delete the state folder (the databases too)")
    down.set_defaults(handler=_down)


def _cluster(args: argparse.Namespace) -> Cluster:
    # Imported here so that `daofu --help` does not load the cluster's modules.
    from daofu.cluster.control import Cluster
    from daofu.config import load_settings

    return Cluster(load_settings(), args.state_dir)


def _up(args: argparse.Namespace) -> int:
    from daofu.bootstrap import CLUSTER_SYSTEM_PACKAGES, ensure_system_packages
    from daofu.local_agent import ensure_local_agent_token, login_hint

    ensure_system_packages(CLUSTER_SYSTEM_PACKAGES, "the cluster's processes")
    cluster = _cluster(args)
    started = cluster.up(args.port, args.host, args.timeout, say=lambda line: print(line, flush=True))
    _print_status(cluster)
    url = cluster.state.public_url
    print(f"\n{'started ' + ', '.join(started) if started else 'everything was running already'}.")
    print(f"  portal page with the chat widget  {url}/")
    print(f"  hotline agent console             {url}/agent")
    print(f"    {login_hint(ensure_local_agent_token(cluster.settings))}")
    print("  status: daofu cluster status      stop: daofu cluster down")
    return 0


def _status(args: argparse.Namespace) -> int:
    cluster = _cluster(args)
    if args.json or args.pids:
        rows = cluster.status()
        if args.pids:
            print(",".join(str(row.pid) for row in rows if row.pid))
        else:
            components = [
                {"name": row.name, "port": row.port, "pid": row.pid, "health": row.state, "note": row.note}
                for row in rows
            ]
            url = cluster.state.public_url if "public" in cluster.state.ports else None
            document = {"url": url, "state_dir": str(cluster.layout.state_dir), "components": components}
            print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        rows = _print_status(cluster)
    return 0 if all(row.healthy for row in rows) else 1


def _print_status(cluster: Cluster) -> list[ComponentStatus]:
    rows = cluster.status()
    print(f"{'component':<10} {'port':>6} {'pid':>8}  {'health':<9} note")
    for row in rows:
        port = str(row.port) if row.port else "-"
        pid = str(row.pid) if row.pid else "-"
        print(f"{row.name:<10} {port:>6} {pid:>8}  {row.state:<9} {row.note}".rstrip())
    print(f"state and logs: {cluster.layout.state_dir}")
    return rows


def _down(args: argparse.Namespace) -> int:
    cluster = _cluster(args)
    stopped = cluster.down(purge=args.purge, say=lambda line: print(line, flush=True))
    print("nothing was running" if not stopped else f"stopped {len(stopped)} components")
    return 0
