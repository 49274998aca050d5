"""The committed region lookup table is exactly what its generator writes from the region files."""

from __future__ import annotations

import yaml

from bot.tools.make_region_lookup import OUTPUT, region_names, render


def test_committed_lookup_matches_generator() -> None:
    assert OUTPUT.read_text(encoding="utf-8") == render(region_names()), (
        "bot/data/regions_lookup.yml is stale; run: .venv/bin/python -m bot.tools.make_region_lookup"
    )


def test_lookup_covers_every_district_zone_and_town() -> None:
    names = set(region_names())
    for name in ("鄞州区", "鄞州", "慈溪市", "慈溪", "宁波国家高新区", "高新区", "前湾新区", "东钱湖", "梅山"):
        assert name in names
    for name in ("南门街道", "跃龙街道", "石浦镇", "石浦", "龙观乡", "丹东街道"):
        assert name in names
    assert "丹东" not in names, "a short form that names a city elsewhere must stay out"
    assert "宁波" not in names, "the city itself is not a region the asker chooses"
    assert len(names) == len(region_names()), "names are unique"


def test_lookup_is_valid_rasa_yaml() -> None:
    data = yaml.safe_load(OUTPUT.read_text(encoding="utf-8"))
    (table,) = data["nlu"]
    assert table["lookup"] == "region"
    elements = [line[2:] for line in table["examples"].splitlines() if line.startswith("- ")]
    assert elements == region_names()
