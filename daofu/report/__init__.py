"""The monthly service report: ``daofu report --month YYYY-MM`` and the console's report page.

Modules:

* :mod:`~daofu.report.month` — calendar months in Ningbo time;
* :mod:`~daofu.report.figures` — the figures of one month, from the conversation records;
* :mod:`~daofu.report.gaps` — unanswered questions grouped by similarity (the knowledge gaps);
* :mod:`~daofu.report.safe_text` — quoting what people typed without control characters or emoji floods;
* :mod:`~daofu.report.markdown` — the report as Markdown;
* :mod:`~daofu.report.charts` — its PNG charts (matplotlib, Agg, Noto CJK);
* :mod:`~daofu.report.cli` — the ``daofu report`` command.
"""
