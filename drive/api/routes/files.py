"""Files and folders: upload (multipart, spooled to disk), list (cursor pages), get, download (Range),
rename/move, delete, reprocess, and folder creation."""

from __future__ import annotations

import base64
import binascii
import uuid
from pathlib import PurePosixPath
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import StreamingResponse

from drive.api.deps import Auth
from drive.api.problems import problem, status_of
from drive.api.ranges import parse_range
from drive.api.schemas import FolderIn, ItemOut, PatchIn, Problem
from drive.errors import DriveError, InvalidName
from drive.records import ItemKind, Status
from drive.service import DriveService

router = APIRouter(tags=["files"], responses={404: {"model": Problem, "description": "no such item"}})
Items = list[ItemOut]


@router.post("/files", status_code=201, response_model=Items,
             responses={413: {"model": Problem}, 409: {"model": Problem}, 422: {"model": Problem}})
def upload(ctx: Auth, file: Annotated[list[UploadFile], File(description="one or more files")],
           folder: Annotated[str | None, Form(description="drive folder (created if missing)")] = None) -> Any:
    """Store files and queue them for processing. If one fails, the answer is that error, listing what
    was created before it (``created``) and every failure (``errors``)."""
    folder_id = ctx.svc.makedirs(folder) if folder and folder.strip("/") else None
    created: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for upload_file in file:
        name = PurePosixPath((upload_file.filename or "").replace("\\", "/")).name
        try:
            if not name:
                raise InvalidName("each file needs a file name")
            info = ctx.svc.upload(upload_file.file, name, folder_id, mime=_mime(upload_file))
            created.append(info.to_json())
        except DriveError as exc:
            errors.append({"name": name, "status": status_of(exc), "detail": str(exc)})
    if errors:
        first = errors[0]
        return problem(first["status"], f"{first['name']}: {first['detail']}", "/api/v1/files",
                       created=created, errors=errors)
    return created


def _mime(upload_file: UploadFile) -> str | None:
    mime = upload_file.content_type
    return None if not mime or mime == "application/octet-stream" else mime


@router.get("/files", response_model=Items)
def list_files(ctx: Auth, request: Request, response: Response,
               folder: Annotated[str | None, Query(description="folder path or id; everything below it")] = None,
               status: Annotated[Status | None, Query(description="only files in this state")] = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100,
               cursor: Annotated[str | None, Query(description="from the previous page's X-Next-Cursor")] = None,
               ) -> Any:
    """Every item below ``folder`` (the whole drive by default), ordered by path, a page at a time. The next
    page's cursor is in the ``X-Next-Cursor`` header and a ``Link: <...>; rel="next"`` header."""
    base = ctx.svc.resolve(folder).id if folder and folder.strip("/") else None
    items = sorted(ctx.svc.list(base, recursive=True), key=lambda i: i.path)
    if status is not None:
        items = [i for i in items if i.status == status]
    after = _decode_cursor(cursor) if cursor else None
    if after is not None:
        items = [i for i in items if i.path > after]
    page = items[:limit]
    if len(items) > limit:
        nxt = base64.urlsafe_b64encode(page[-1].path.encode()).decode().rstrip("=")
        response.headers["X-Next-Cursor"] = nxt
        response.headers["Link"] = f'<{request.url.include_query_params(cursor=nxt)}>; rel="next"'
    return [i.to_json() for i in page]


def _decode_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidName("the cursor is not one this API gave out") from exc


@router.get("/files/{item_id}", response_model=ItemOut)
def get_item(ctx: Auth, item_id: uuid.UUID) -> Any:
    """One file or folder, with its processing status and error."""
    return ctx.svc.get(item_id).to_json()


@router.get("/files/{item_id}/content", response_class=StreamingResponse,
            responses={200: {"content": {"application/octet-stream": {}}}, 206: {"description": "a byte range"},
                       416: {"model": Problem}})
def content(ctx: Auth, item_id: uuid.UUID, request: Request) -> Response:
    """The file's bytes, as an attachment; honours a single ``Range: bytes=...``."""
    info = ctx.svc.get(item_id)
    if info.kind != ItemKind.FILE:
        return problem(404, f"{info.path} is a folder, not a file", request.url.path)
    wanted = parse_range(request.headers.get("range"), info.size)
    if wanted == "unsatisfiable":
        return problem(416, f"the range is outside the file's {info.size:,} bytes", request.url.path,
                       headers={"Content-Range": f"bytes */{info.size}"})
    start, end = wanted or (0, info.size - 1)
    _, pieces = ctx.svc.open(item_id, start, end)
    first = next(pieces, b"")  # a missing blob fails here, before any header is sent
    headers = {
        "Content-Disposition": _disposition(info.name), "Accept-Ranges": "bytes",
        "Content-Length": str(end - start + 1), "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox", "ETag": f'"{info.sha256}"' if info.sha256 else "",
    }
    if wanted:
        headers["Content-Range"] = f"bytes {start}-{end}/{info.size}"
    return StreamingResponse(_chain(first, pieces), status_code=206 if wanted else 200,
                             media_type=info.mime or "application/octet-stream",
                             headers={k: v for k, v in headers.items() if v})


def _chain(first: bytes, rest: Any) -> Any:
    if first:
        yield first
    yield from rest


def _disposition(name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


@router.patch("/files/{item_id}", response_model=ItemOut, responses={409: {"model": Problem}})
def patch_item(ctx: Auth, item_id: uuid.UUID, body: PatchIn) -> Any:
    """Rename and/or move a file or folder (``folder``: a path or id; '' is the root)."""
    info = ctx.svc.get(item_id)
    if body.folder is not None:
        target = _folder_ref(ctx.svc, body.folder)
        info = ctx.svc.move(item_id, target)
    if body.name is not None:
        info = ctx.svc.rename(item_id, body.name)
    return info.to_json()


def _folder_ref(svc: DriveService, ref: str) -> uuid.UUID | None:
    return svc.resolve(ref).id if ref.strip("/") else None


@router.delete("/files/{item_id}", status_code=204, response_class=Response)
def delete_item(ctx: Auth, item_id: uuid.UUID) -> Response:
    """Delete a file, or a folder with everything in it."""
    ctx.svc.delete(item_id)
    return Response(status_code=204)


@router.post("/files/{item_id}/reprocess", status_code=202, response_model=ItemOut)
def reprocess(ctx: Auth, item_id: uuid.UUID) -> Any:
    """Process the file again (its chunks and graph are replaced)."""
    ctx.svc.reprocess(item_id)
    return ctx.svc.get(item_id).to_json()


@router.post("/folders", status_code=201, response_model=ItemOut, responses={409: {"model": Problem}})
def make_folder(ctx: Auth, body: FolderIn) -> Any:
    """Create a folder and its missing parents (an existing one is returned as it is)."""
    folder = ctx.svc.makedirs(body.path)
    if folder is None:
        raise InvalidName("a folder needs a name")
    return ctx.svc.get(folder).to_json()


