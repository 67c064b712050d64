"""The background pipelines, one package per job (ingest, graph, communities), one module per stage
named by its verb; ``handlers`` is the table of job kinds the worker runs.
"""
