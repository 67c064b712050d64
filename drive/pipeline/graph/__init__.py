"""The graph job: recognize (spaCy NER + parse) -> resolve (entity identity) -> relate; stored per chunk.
"""
