"""Answers from retrieved passages: the LLM prompt with validated citations or an extractive answer
(``compose``), answers over community summaries (``synthesize``), and the expected answer type (``expect``).
"""
