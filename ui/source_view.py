"""The source viewer: a cited passage shown where it stands in its file, in a dialog over the chat.

A PDF opens at the cited page, drawn by PDFium with the passage painted over it and the page's text below
with the passage marked; an image is shown as the image (its recognised text below); any other file as
its extracted text, a page at a time, with the passage marked. Previous/next page and a download on all.
"""

from __future__ import annotations

import base64
import uuid

import streamlit as st

from drive.errors import DriveError, NotFound
from drive.records import ItemInfo
from drive.service import DriveService
from rag.types import Citation
from ui import resources
from ui.downloads import file_bytes, file_link, file_url
from ui.format import literal
from ui.source_render import (
    find_spans,
    looks_like_pdf,
    marked_html,
    page_of,
    render_pdf_page,
    shows_as_image,
    text_pages,
)

PAGE_KEY = "source_page"  # {item id: page shown} while the viewer is open
OPEN_KEY = "source_open"  # the citation whose viewer is open: it stays open across full reruns
PARAM = "source"  # ``?source=<message id>-<n>``: what a marker link in an answer opens (``open_from_url``)


def ref(message_id: int, n: int) -> str:
    """How citation n of a stored answer is named in the URL."""
    return f"{message_id}-{n}"


def open_button(c: Citation, key: str, *, label: str | None = None) -> None:
    """A button that opens the viewer at this citation (drawn by ``show_open`` at the end of the page)."""
    text = label or f"[{c.n}] {literal(c.file)}" + (f" · p. {c.page}" if c.page else "")
    st.button(text, key=f"src_{key}", icon=":material/find_in_page:", type="tertiary",
              help="Show this passage in its file", on_click=_open, args=(c,))


def _open(c: Citation) -> None:
    st.session_state[OPEN_KEY] = c
    st.session_state.setdefault(PAGE_KEY, {}).pop(c.item_id, None)  # start at the cited page


def close() -> None:
    st.session_state.pop(OPEN_KEY, None)
    st.query_params.pop(PARAM, None)


def open_from_url(cited: dict[str, Citation]) -> None:
    """Open the viewer at the citation the URL names (a marker link was followed, or the page reloaded with
    the viewer open); ``cited``: the citations of the conversation shown, by ``ref``. A name not among them
    (another conversation's, mangled) closes the viewer and leaves the URL."""
    wanted = st.query_params.get(PARAM)
    if wanted is None:
        return
    c = cited.get(wanted)
    if c is None:
        close()
    elif st.session_state.get(OPEN_KEY) != c:
        _open(c)


def show_open() -> None:
    """The viewer, while a citation is open (closing the dialog forgets it)."""
    c = st.session_state.get(OPEN_KEY)
    if isinstance(c, Citation):
        viewer(c)


@st.dialog("Source", width="large", on_dismiss=close)
def viewer(c: Citation) -> None:
    svc = resources.service()
    try:
        info = svc.get(c.item_id)
    except NotFound:
        st.warning("This file is no longer in your drive.", icon=":material/draft:")
        return
    st.markdown(f"**{literal(info.path)}** · passage [{c.n}]")
    try:
        data = file_bytes(svc, c.item_id)
        if looks_like_pdf(data[:8], info.mime):
            _pdf(data, c)
        elif shows_as_image(info.mime):
            _image(svc, info, data)
            _text(svc, info, c, label="Text found in the image")
        else:
            _text(svc, info, c)
    except DriveError as exc:
        st.error(f"This file cannot be shown: {exc}")
    file_link(svc, c.item_id, info.name, key=f"viewer_{c.item_id}", label=f"Download {literal(info.name)}")


def _page(item_id: uuid.UUID, start: int) -> int:
    return int(st.session_state.setdefault(PAGE_KEY, {}).get(item_id, start))


def _pager(item_id: uuid.UUID, number: int, count: int, prefix: str = "source") -> None:
    """Previous / "page n of m" / next; a click redraws only the dialog (a button inside it)."""
    prev_col, label_col, next_col = st.columns([1, 2, 1], vertical_alignment="center")
    prev_col.button("Previous", key=f"{prefix}_prev", icon=":material/chevron_left:", disabled=number <= 1,
                    width="stretch", on_click=_turn, args=(item_id, number - 1))
    label_col.markdown(f"<div style='text-align:center'>Page {number} of {count}</div>", unsafe_allow_html=True)
    next_col.button("Next", key=f"{prefix}_next", icon=":material/chevron_right:", disabled=number >= count,
                    width="stretch", on_click=_turn, args=(item_id, number + 1))


def _turn(item_id: uuid.UUID, number: int) -> None:
    st.session_state.setdefault(PAGE_KEY, {})[item_id] = number


def _pdf(data: bytes, c: Citation) -> None:
    try:
        shown = render_pdf_page(data, _page(c.item_id, c.page or 1), c.passage)
    except Exception as exc:  # noqa: BLE001 - a PDF PDFium cannot open is shown as its text instead
        st.caption(f"This PDF cannot be drawn ({type(exc).__name__}); its text follows.")
        _text(resources.service(), resources.service().get(c.item_id), c)
        return
    _pager(c.item_id, shown.number, shown.count)
    drawn_page(shown.png)
    if not shown.spans and shown.number == c.page:
        st.caption("The passage could not be located on this page; it is quoted below.")
        st.html(marked_html(c.passage, [(0, len(c.passage))]))
    with st.expander("Text of this page", expanded=bool(shown.spans)):
        st.html(marked_html(shown.text, shown.spans))


def _text(svc: DriveService, info: ItemInfo, c: Citation, label: str | None = None) -> None:
    text = svc.text_of(info.id) or ""
    if not text:
        st.caption("No text was found in this file.")
        return
    spans = find_spans(text, c.passage)
    pages = text_pages(text)
    number = _page(c.item_id, page_of(pages, spans[0][0]) if spans else 1)
    number = max(1, min(number, len(pages)))
    if len(pages) > 1:
        _pager(c.item_id, number, len(pages))
    start, end = pages[number - 1]
    local = [(max(a, start) - start, min(b, end) - start) for a, b in spans if a < end and b > start]
    if label:
        st.caption(label)
    st.html(marked_html(text[start:end], local))


def drawn_page(png: bytes) -> None:
    """A drawn PDF page inline in this session's own message, as a data URI: Streamlit's media store would
    serve it to anyone holding its URL (issue 17), and a page is a copy of the file's content."""
    encoded = base64.b64encode(png).decode("ascii")
    st.html(f'<img class="drawn-page" alt="page" style="width:100%" src="data:image/png;base64,{encoded}">')


def _image(svc: DriveService, info: ItemInfo, data: bytes | None) -> None:
    """An image file through its private, signed link when the app serves one; Streamlit's media store (public
    to anyone with the URL) only when the app runs without its routes (accounts off, ``streamlit run app.py``)."""
    url = file_url(svc, info.id, inline=True, absolute=True)
    st.image(url or (data if data is not None else file_bytes(svc, info.id)), caption=literal(info.name),
             width="stretch")


def file_preview(svc: DriveService, info: ItemInfo) -> None:
    """The Files page's preview: a PDF page by page as PDFium draws it, an image as the image."""
    if shows_as_image(info.mime):
        _image(svc, info, None)
    elif (info.mime or "").endswith("/pdf"):
        try:
            shown = render_pdf_page(file_bytes(svc, info.id), _page(info.id, 1), "")
        except Exception as exc:  # noqa: BLE001 - an unreadable PDF still has its details and text
            st.caption(f"This PDF cannot be drawn ({type(exc).__name__}).")
            return
        _pager(info.id, shown.number, shown.count, prefix="files_preview")
        drawn_page(shown.png)
