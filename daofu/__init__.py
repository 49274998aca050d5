"""甬导服 (daofu): Ningbo's service-guidance assistant.

This package holds what ties the parts together: configuration, the ``daofu`` command and the
process supervisor. The parts themselves live beside it: ``knowledge`` (the catalogue),
``indexer`` (search), ``bot`` (the Rasa project and its actions) and ``channels`` (the service).

Only the standard library may be imported here, because ``daofu.bootstrap`` runs before any
environment exists.
"""

__version__ = "0.1.0"
