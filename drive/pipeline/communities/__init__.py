"""The communities job: cluster the entity graph (hierarchical Leiden) -> summarize what changed.
"""
