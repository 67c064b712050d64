"""The job runtime: what a handler gets (``context``), the worker that claims and runs jobs (``worker``),
and working the queue until it is empty (``drain``). The queue table itself is ``drive.store.queue``.
"""
