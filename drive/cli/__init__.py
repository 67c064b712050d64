"""``python -m drive``: the command line (the only part of ``drive`` that may import ``rag``).
"""
