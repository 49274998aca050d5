"""The production profile on one machine: every production part, for real, on loopback.

``daofu cluster up`` starts a private PostgreSQL (the catalogue, the conversation records and
Rasa's tracker store), Redis (Rasa's lock store and the service's shared state), two Rasa
instances, two service instances and nginx in front of the services; ``status`` shows each
process and its health; ``down`` stops them in order. docs/production.md describes the profile
and how it maps onto several hosts.

Modules:

* :mod:`~daofu.cluster.layout` — the state folder, the ports, the recorded process ids;
* :mod:`~daofu.cluster.daemons` — starting detached processes, watching and stopping them;
* :mod:`~daofu.cluster.postgres` — the private PostgreSQL cluster and the catalogue in it;
* :mod:`~daofu.cluster.nginx` — nginx's configuration, from ``nginx.conf.template``;
* :mod:`~daofu.cluster.components` — the seven components: how each starts, is checked and stops;
* :mod:`~daofu.cluster.cli` — the ``daofu cluster`` command.
"""
