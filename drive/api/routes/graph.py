"""``GET /graph`` (entities, relationships, communities, a page at a time) and ``GET /graph/entities/{name}``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from drive.api.deps import Auth
from drive.api.schemas import EntityDetail, GraphPage, Problem
from drive.errors import InvalidName, NotFound
from drive.store import graph_page
from drive.store.graph_view import entity_passages, snapshot

router = APIRouter(tags=["graph"])


@router.get("/graph", response_model=GraphPage)
def graph(ctx: Auth, request: Request, response: Response,
          limit: Annotated[int, Query(ge=1, le=5000)] = 500,
          cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None) -> Any:
    """``graph --json``, in pages: each page holds the same slice of the three lists."""
    try:
        start = int(cursor) if cursor else 0
    except ValueError as exc:
        raise InvalidName("the cursor is not one this API gave out") from exc
    if start < 0:
        raise InvalidName("the cursor is not one this API gave out")
    full = snapshot(ctx.drive.db, ctx.svc.owner).to_json()
    page = {k: v[start:start + limit] for k, v in full.items()}
    more = any(len(v) > start + limit for v in full.values())
    page["next_cursor"] = str(start + limit) if more else None
    if more:
        response.headers["Link"] = f'<{request.url.include_query_params(cursor=start + limit)}>; rel="next"'
    return page


@router.get("/graph/entities/{name}", response_model=EntityDetail,
            responses={404: {"model": Problem, "description": "no such entity"}})
def entity(ctx: Auth, name: str) -> Any:
    """One entity by name or alias (case-insensitive): its relationships and the passages that mention it."""
    found = graph_page.find(ctx.drive.db, ctx.svc.owner, name)  # this entity's rows only, not the whole graph
    if found is None:
        raise NotFound(f"no such entity: {name}")
    rels = graph_page.relationships(ctx.drive.db, ctx.svc.owner, found.id)
    related = [asdict(r) for r in sorted(rels, key=lambda r: (r.source, r.target))]  # as the export lists them
    passages = [{"item_id": str(p.item_id), "file": p.file, "page": p.page, "text": p.text}
                for p in entity_passages(ctx.drive.db, ctx.svc.owner, found.id)]
    data = {k: v for k, v in asdict(found).items() if k != "id"}
    return {**data, "relationships": related, "passages": passages}
