"""Measuring the conversation, not just the search: a simulated citizen through the real servers.

``daofu eval dialogue --queries FILE`` asks every labelled question through ``/api/chat`` (Rasa and
the service, as a person meets them), follows the district question and the offered choices the way
a person who knows what they need would, and reports how many reach the right guide and how the
others fail:

* :mod:`~bot.evaluation.replies` — reading one reply: guides on screen, choices, refusals;
* :mod:`~bot.evaluation.simulate` — one conversation, and the question file;
* :mod:`~bot.evaluation.run` — many conversations at once, and the servers started for them;
* :mod:`~bot.evaluation.report` — the figures and the misses;
* :mod:`~bot.evaluation.cli` — the command.
"""
