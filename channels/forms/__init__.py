"""The hand-off target: a demo of the portal's application form at ``/forms/<matter_code>``.

The dialogue's ``form_handoff`` link (``DAOFU_FORM_URL_TEMPLATE``, by default this page) opens the
form for one guide with what the conversation already knows filled in, and the guide's materials
as a checklist. When the template points at a real portal, the page shows that address too.

Modules: :mod:`~channels.forms.prefill` (the link's query string), :mod:`~channels.forms.lookup`
(which guide; the real portal's address), :mod:`~channels.forms.page` (escaped HTML),
:mod:`~channels.forms.routes` (the blueprint).
"""

from __future__ import annotations

from sanic import Sanic

from channels.forms.routes import forms_blueprint
from daofu.config import Settings
from knowledge.db import create_engine_for
from knowledge.repository import Catalog

__all__ = ["install"]


def install(app: Sanic, settings: Settings) -> None:
    """Add ``/forms``; the catalogue is read lazily, so a missing one only affects these pages."""
    catalog = Catalog(create_engine_for(settings.database_url), settings)
    app.blueprint(forms_blueprint(settings, catalog))
