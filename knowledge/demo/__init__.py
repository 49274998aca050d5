"""The demo catalogue: Ningbo's 31,224 service guides, built from the files in ``knowledge/data``.

The project ships no authoritative catalogue, so it builds one to demonstrate on: the 400
high-frequency Ningbo matters written for the project, the long tail of real Guangdong service
items re-homed to Ningbo's departments, and Ningbo's districts, development zones, towns and
village stations — every address, opening hour and phone number synthetic.
``knowledge/data/README.md`` gives the source and licence of each input file; everything built
from them is labelled demo data (:data:`knowledge.DEMO_NOTICE`).

The builder lives here, apart from the code that imports and reads any catalogue, because it is
only one producer of catalogue files: its output goes through the same validating importer as a
catalogue from elsewhere.

* :mod:`knowledge.demo.regions` — the city, districts, zones, towns and village stations;
* :mod:`knowledge.demo.rehoming` — Guangdong's items turned into Ningbo matters;
* :mod:`knowledge.demo.departments` — who implements a matter in each region, and where;
* :mod:`knowledge.demo.catalog` — the expansion into guides, the build report, the JSON-lines file;
* :mod:`knowledge.demo.build` — ``daofu catalog build``: build, write and import.
"""
