"""Retrieval, every function scoped by a ``rag.types.Scope``: vector and keyword search (``retrieve``),
the entity graph's neighbourhood (``local``), file-title links and second hops (``link``), community
summaries (``global_search``), and the router that picks among them (``route``).
"""
