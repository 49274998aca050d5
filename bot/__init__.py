"""The Rasa project (domain, NLU data, rules, stories) and its custom actions.

Rasa itself runs in its own Python 3.10 environment; only ``bot.actions`` (rasa-sdk) and the
training helper are imported by the service.
"""
