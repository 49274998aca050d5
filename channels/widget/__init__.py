"""The portal chat widget: one ``<script>`` tag and one init call on any portal page (docs/widget.md).

Modules:

* :mod:`~channels.widget.protocol` — WebSocket frames and sender ids;
* :mod:`~channels.widget.messages` — typed bot messages in the one shape the script renders;
* :mod:`~channels.widget.history` — the conversation so far, rebuilt from Rasa's tracker;
* :mod:`~channels.widget.config` — which portal origins may embed the widget;
* :mod:`~channels.widget.assets` — the script, style and demo page, served with an explicit charset;
* :mod:`~channels.widget.routes` — the Sanic blueprint;
* ``static/`` — ``daofu-widget.js`` and ``daofu-widget.css`` (plain JS and CSS, no build step) and
  the demo portal page served at ``/``.
"""

from __future__ import annotations

import logging

from sanic import Sanic

from channels.conversation import gate_of
from channels.widget.config import load_widget_settings
from channels.widget.routes import widget_blueprint
from daofu.services import Services

log = logging.getLogger(__name__)

__all__ = ["install"]


def install(app: Sanic, services: Services) -> None:
    """Add the widget's routes; the history is read through the app's dialogue client."""
    settings = services.settings
    widget = load_widget_settings(settings)
    app.blueprint(widget_blueprint(widget, gate_of(app, services)))

    log.info("widget on: origins %s", "any" if widget.any_origin else ", ".join(widget.origins))
