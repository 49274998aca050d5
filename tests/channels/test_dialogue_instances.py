"""Several Rasa instances: which one a conversation goes to (pure logic; the failover itself is
tested against real instances in tests/cluster/test_faults.py)."""

from __future__ import annotations

from collections import Counter

import pytest

from channels.dialogue import DialogueClient, rendezvous_order
from daofu.config import Settings, SettingsError

URLS = ["http://10.0.0.21:5005", "http://10.0.0.22:5005", "http://10.0.0.23:5005"]
SENDERS = [f"web-{number:032x}" for number in range(3000)]


def test_every_sender_has_one_home_whatever_the_order_of_the_list() -> None:
    for sender in SENDERS[:50]:
        order = rendezvous_order(URLS, sender)
        assert sorted(order) == sorted(URLS)
        assert rendezvous_order(list(reversed(URLS)), sender) == order


def test_conversations_spread_over_the_instances() -> None:
    homes = Counter(rendezvous_order(URLS, sender)[0] for sender in SENDERS)
    assert set(homes) == set(URLS)
    assert min(homes.values()) > len(SENDERS) / len(URLS) * 0.8


def test_removing_an_instance_moves_only_its_own_conversations_to_their_next_choice() -> None:
    removed = URLS[1]
    for sender in SENDERS[:500]:
        before = rendezvous_order(URLS, sender)
        after = rendezvous_order([url for url in URLS if url != removed], sender)
        assert after == [url for url in before if url != removed]


def test_the_client_reads_a_comma_separated_list() -> None:
    client = DialogueClient(" http://a:5005/, http://b:5005 ")
    assert client.base_urls == ("http://a:5005", "http://b:5005") and client.base_url == "http://a:5005"
    with pytest.raises(ValueError, match="at least one"):
        DialogueClient(" , ")


def test_daofu_rasa_url_names_several_instances() -> None:
    settings = Settings.from_env({"DAOFU_RASA_URL": "http://10.0.0.21:5005, http://10.0.0.22:5005/"})
    assert settings.rasa_urls == ("http://10.0.0.21:5005", "http://10.0.0.22:5005")
    assert settings.rasa_url == "http://10.0.0.21:5005"
    assert Settings().rasa_urls == ("http://127.0.0.1:5005",)
    with pytest.raises(SettingsError, match="DAOFU_RASA_URL"):
        Settings.from_env({"DAOFU_RASA_URL": "http://10.0.0.21:5005,ftp://x"})
