"""Prompt templates as files (``<name>.md``), shipped in the wheel as package data.

Load them with ``drive.ml.prompts.load_prompt(name)``; this package holds no code.
"""
