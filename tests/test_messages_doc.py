"""docs/messages.md describes every shape of daofu.messages, and the dialogue's actions exist in the domain."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import yaml

from bot.actions import ACTION_CLASSES
from daofu.messages import CUSTOM_TYPES, Button, RatingOption

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "messages.md").read_text(encoding="utf-8")


def section(kind: str) -> str:
    """The part of the page from the heading that names ``kind`` to the next heading."""
    for match in re.finditer(r"^### (.+)$", DOC, flags=re.MULTILINE):
        if f"`{kind}`" in match.group(1):
            end = DOC.find("\n## ", match.end())
            following = DOC.find("\n### ", match.end())
            stops = [stop for stop in (end, following) if stop != -1]
            return DOC[match.start() : min(stops) if stops else len(DOC)]
    raise AssertionError(f"docs/messages.md has no section for `{kind}`")


def test_every_custom_type_and_field_is_documented():
    for kind, message_class in CUSTOM_TYPES.items():
        text = section(kind)
        for field in fields(message_class):
            assert f'"{field.name}"' in text, f"{kind}.{field.name} is not shown in docs/messages.md"


def test_buttons_and_rating_options_are_documented():
    for shape in (Button, RatingOption):
        for field in fields(shape):
            assert f'"{field.name}"' in DOC


def test_every_documented_type_exists():
    documented = set(re.findall(r'"type": "([a-z_]+)"', DOC))
    assert documented == set(CUSTOM_TYPES)


def test_the_domain_declares_exactly_the_actions_the_service_hosts():
    domain = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    assert set(domain["actions"]) == {action.action_name for action in ACTION_CLASSES}
