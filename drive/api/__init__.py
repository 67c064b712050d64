"""The HTTP API (FastAPI): the drive over HTTP for other frontends, scripts and sync clients.

``create_app(settings)`` in ``app``; one router per resource in ``routes``; bearer tokens in ``auth``.
"""
