"""Which guide of a matter a caller's district needs, read from the catalogue (no search index).

Many matters are run by each district separately, one guide per district. A caller who has not
said where they live cannot be given "the" address or link of such a matter: the console must ask
first. :func:`per_district` tells such matters; :func:`guide_for_district` picks the guide of the
district the agent chose (the district's own, else one of its zones or towns, else the city's).
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.records import RegionLevel
from knowledge.repository import Guide, Region


def per_district(guides: Sequence[Guide]) -> bool:
    """True when the matter has no city-wide guide and more than one local one."""
    if any(g.region.level == RegionLevel.CITY for g in guides):
        return False
    return len({g.region.district_code for g in guides}) > 1


def guide_for_district(guides: Sequence[Guide], district: Region) -> Guide | None:
    """The guide a caller in ``district`` uses, or None when the matter has none there."""
    code = district.district_code or district.code
    own = [g for g in guides if g.region.code == code]
    if own:
        return own[0]
    local = sorted(
        (g for g in guides if g.region.district_code == code),
        key=lambda g: (g.region.level != RegionLevel.ZONE, g.region.code),
    )
    if local:
        return local[0]
    return next((g for g in guides if g.region.level == RegionLevel.CITY), None)
