"""The handler table: every kind of background job the drive runs, in one place.

A new job kind gets a ``run_<kind>_job`` in its pipeline package and a line here; the worker
(``drive.jobs.worker``) needs no change.
"""

from __future__ import annotations

from drive.jobs.context import JobKind
from drive.pipeline.communities.job import run_communities_job
from drive.pipeline.graph.job import run_graph_job
from drive.pipeline.index.job import run_owner_index_job
from drive.pipeline.ingest.job import give_up_ingest, retry_ingest, run_ingest_job
from drive.store.queue import COMMUNITIES, GRAPH, INGEST, OWNER_INDEX


def handlers() -> dict[str, JobKind]:
    """Ingestion alone decides a file's status: a file whose graph job fails stays searchable."""
    return {
        INGEST: JobKind(run_ingest_job, on_retry=retry_ingest, on_give_up=give_up_ingest),
        GRAPH: JobKind(run_graph_job),
        COMMUNITIES: JobKind(run_communities_job),
        OWNER_INDEX: JobKind(run_owner_index_job),
    }
