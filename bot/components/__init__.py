"""Custom Rasa pipeline components, imported by Rasa (Python 3.10) from ``config.yml`` by module path."""
