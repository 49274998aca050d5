"""``daofu config``: every environment variable the project reads, and the value in effect.

Secrets show as ``(set)``. ``--markdown`` prints the README's configuration table from
:data:`daofu.config.VARIABLES`, the table of record.
"""

from __future__ import annotations

import argparse

from daofu.config import VARIABLES, load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    config = subparsers.add_parser(
        "config",
        help="show every DAOFU_* variable, its value in effect and what it means",
        description="Reads the environment as the service would; an invalid value is reported "
        "in one line naming the variable (exit code 2).",
    )
    config.add_argument("--markdown", action="store_true", help="print the README's configuration table")
    config.set_defaults(handler=_show)


def markdown_table() -> str:
    lines = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for variable in VARIABLES:
        default = f"`{variable.default}`" if variable.default else "(unset)"
        lines.append(f"| `{variable.name}` | {default} | {variable.meaning} |")
    return "\n".join(lines)


def _show(args: argparse.Namespace) -> int:
    if args.markdown:
        print(markdown_table())
        return 0
    settings = load_settings()
    width = max(len(variable.name) for variable in VARIABLES)
    for name, value in settings.shown():
        marker = "" if settings.is_set(name) else "  (default)"
        print(f"{name:<{width}}  {value}{marker}")
    return 0
