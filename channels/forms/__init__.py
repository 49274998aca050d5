"""The hand-off target: a demo of the portal's application form at ``/forms/<matter_code>``.

The dialogue's ``form_handoff`` link (``DAOFU_FORM_URL_TEMPLATE``, by default this page) opens the
form for one guide with what the conversation already knows filled in, and the guide's materials
as a checklist. When the template points at a real portal, the page shows that address too.

Modules: :mod:`~channels.forms.lookup` (which guide; the real portal's address),
:mod:`~channels.forms.page` (escaped HTML), :mod:`~channels.forms.routes` (the blueprint). The
link's pre-fill is written and read by :mod:`knowledge.forms`.
"""

from __future__ import annotations

from sanic import Sanic

from channels.forms.routes import forms_blueprint
from daofu.services import Services

__all__ = ["install"]


def install(app: Sanic, services: Services) -> None:
    """Add ``/forms``; the catalogue is read lazily, so a missing one only affects these pages."""
    app.blueprint(forms_blueprint(services.settings, services.catalog))
