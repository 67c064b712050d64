"""Retrieval-augmented answering: routing, retrieval, prompts, answers with citations."""
