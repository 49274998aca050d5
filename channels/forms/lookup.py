"""Which guide a form link was opened for, and where the real portal's form would be.

A link names the matter in its path and (usually) the guide in ``guide=``. The two must agree: a
guide of another matter is refused rather than shown under the wrong title. Without a guide, the
guide of the linked region (or its parents) is used, else the city's, else the matter's first.
"""

from __future__ import annotations

from dataclasses import dataclass

from daofu.config import Settings
from daofu.errors import DaofuError
from knowledge.errors import NotFoundError
from knowledge.forms import form_url, is_demo_form
from knowledge.records import RegionLevel
from knowledge.repository import Catalog, Guide


class FormNotFound(DaofuError):
    """No guide for the link: an unknown matter, an unknown guide, or a guide of another matter."""


@dataclass(frozen=True)
class FormTarget:
    guide: Guide
    # The configured portal's form for this guide, when it is not this demo page.
    portal_url: str | None


def find_guide(catalog: Catalog, matter_code: str, guide_id: str | None, region: str | None) -> Guide:
    if guide_id:
        guide = catalog.guide(guide_id)
        if guide is None:
            raise FormNotFound(f"办事指南 {guide_id} 不在目录中")
        if guide.matter.code != matter_code:
            raise FormNotFound(f"办事指南 {guide_id} 不属于事项 {matter_code}")
        return guide
    matter = catalog.matter(matter_code)
    if matter is None:
        raise FormNotFound(f"事项编码 {matter_code} 不在目录中")
    if region:
        try:
            return catalog.find_guide(matter.name, region)
        except NotFoundError:
            pass
    guides = catalog.guides_for_matter(matter_code)
    if not guides:
        raise FormNotFound(f"事项 {matter.name} 没有办事指南")
    city = [guide for guide in guides if guide.region.level == RegionLevel.CITY]
    return (city or guides)[0]


def portal_url(settings: Settings, guide: Guide) -> str | None:
    """The form link the configured template gives, when it differs from this demo page's."""
    template, public_url = settings.portal_form_template, settings.public_url
    if is_demo_form(template, public_url, guide.matter.code, guide.id):
        return None
    return form_url(template, public_url, guide.matter.code, guide.id)


def resolve(
    catalog: Catalog, settings: Settings, matter_code: str, guide_id: str | None, region: str | None
) -> FormTarget:
    guide = find_guide(catalog, matter_code, guide_id, region)
    return FormTarget(guide, portal_url(settings, guide))
