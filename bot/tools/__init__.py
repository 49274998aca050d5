"""Generators for the Rasa training data that is derived from the catalogue's input files."""
