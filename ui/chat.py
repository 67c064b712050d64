"""The chat page's parts: conversation list, message history with citations, suggestions, streamed answers."""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import streamlit as st

from drive.errors import DriveError, NotFound
from drive.store import chats as sessions
from rag.answer.direct import NOT_FOUND
from rag.types import Answer, Citation
from ui import conversations, resources, settings_view, source_view
from ui.downloads import file_link
from ui.format import link_markers, literal, mode_caption, page_label, safe_markdown

PENDING_KEY = "chat_pending"
CURSOR = "▌"
SEARCHING = "Searching your files…"
REVEAL_PAUSE_S = 0.04  # between the lines of an offline answer: the eye follows it as it arrives


# ---------------------------------------------------------------- conversations


def current_session() -> uuid.UUID | None:
    return conversations.current()


def conversations_bar() -> None:
    """New chat and the past conversations (open, rename, delete); the answer mode when not automatic
    (it is chosen under Settings > Advanced)."""
    new_col, past_col, mode_col = st.columns([1, 2, 1], vertical_alignment="center")
    conversations.new_chat_button(new_col)
    conversations.past_popover(past_col)
    mode = settings_view.answer_mode()
    if mode != "auto":
        mode_col.caption(f"Answer mode: {mode}", help=settings_view.MODE_HELP[mode])


def model_connected() -> bool:
    return resources.owner_models().settings.llm_enabled


def offline_hint() -> None:
    """Next to an offline answer: what a language model would add, and where to connect one."""
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.caption("Offline answer: quoted from your files. A connected language model writes the answer "
                   "in its own words, with the same citations.")
        st.page_link("app_pages/settings.py", label="Connect a model", icon=":material/settings:")


# ---------------------------------------------------------------- history


def history(asking: bool = False) -> int:
    """Draw the current conversation; returns how many messages it has. ``asking``: a question is about to be
    answered in this run (a question left unanswered before it gets no "Ask again" then)."""
    sid = current_session()
    if sid is None:
        source_view.open_from_url({})
        return 0
    try:
        stored = sessions.messages(resources.drive().db, resources.owner(), sid)
    except NotFound:  # deleted (here or in another tab), or not this user's: the same answer for both
        conversations.missing_notice()
        source_view.open_from_url({})
        return 0
    conversations.open_(sid)
    offline = not model_connected()
    cut = sessions.unanswered(stored)
    cited: dict[str, Citation] = {}
    for index, message in enumerate(stored):
        # Keyed by the stored message: the same buttons whether drawn live or from history.
        key = f"m{message.id or f'h{index}'}"
        citations = to_citations(message.citations) if message.role == "assistant" else []
        if message.id is not None:
            cited.update({source_view.ref(message.id, c.n): c for c in citations})
        with st.chat_message(message.role):
            show_markdown(answer_markdown(lead_first(message.content, None), citations, sid, message.id))
            if index in cut:
                interrupted(sid, message, again=index == len(stored) - 1 and not asking)
            if message.role == "assistant":
                citations_view(citations, key=key)
                if message.mode:
                    st.caption(f"mode: {message.mode.replace('+', ' + ')}")
                feedback(message)
                if offline and index == len(stored) - 1:
                    offline_hint()
    source_view.open_from_url(cited)
    return len(stored)


def interrupted(sid: uuid.UUID, message: sessions.StoredMessage, *, again: bool) -> None:
    """Under a question that got no answer (the page was left, reloaded or a new chat started while it was
    being written, or answering failed): say so, and offer to ask it again (the last one only)."""
    st.caption("The answer to this question was interrupted.", help="It was still being written when the page "
               "was left or reloaded or a new chat was started, or answering failed. Nothing you typed is lost.")
    if again and message.id is not None:
        st.button("Ask again", key=f"chat_again_{message.id}", icon=":material/refresh:",
                  on_click=_ask_again, args=(sid, message.id, message.content))


def _ask_again(sid: uuid.UUID, question_id: int, question: str) -> None:
    """The unanswered question is taken out of the conversation and asked anew, so it is not there twice."""
    with contextlib.suppress(NotFound):  # asked again in another tab meanwhile: ask it here all the same
        sessions.withdraw_question(resources.drive().db, resources.owner(), sid, question_id)
    _queue(question)


def feedback(message: sessions.StoredMessage) -> None:
    """Thumbs up/down on a stored answer, saved with the message as soon as it is clicked."""
    if message.id is None:
        return
    key = f"chat_fb_{message.id}"
    default = {1: 1, -1: 0}.get(message.feedback or 0)
    st.feedback("thumbs", key=key, default=default, on_change=_save_feedback, args=(message.id, key))


def _save_feedback(message_id: int, key: str) -> None:
    value = st.session_state.get(key)
    stored = None if value is None else (1 if value == 1 else -1)
    try:
        sessions.set_feedback(resources.drive().db, resources.owner(), message_id, stored)
    except NotFound:
        st.toast("That answer is no longer in your conversations.")


def to_citations(raw: list[dict[str, Any]]) -> list[Citation]:
    """Citations as ``rag.ask`` stores them (JSON) back to records; malformed entries are skipped."""
    return [c for c in map(Citation.from_json, raw) if c is not None]


def answer_markdown(text: str, citations: list[Citation], sid: uuid.UUID, message_id: int | None) -> str:
    """A message as safe Markdown whose ``[n]`` markers link to this page with citation n in the URL
    (``?chat=<sid>&source=<message id>-<n>``), which opens the source viewer there (``source_view.open_from_url``).
    The markers are linked after ``safe_markdown``, so nothing in the text itself becomes a link."""
    shown = safe_markdown(text)
    if message_id is None or not citations:
        return shown
    href = f"?{conversations.PARAM}={sid}&{source_view.PARAM}={message_id}-"  # + n: ``source_view.ref``
    return link_markers(shown, href, {c.n for c in citations})


def show_markdown(markdown: str, into: Any = st) -> None:
    """Draw ``answer_markdown`` output. HTML is allowed for its marker links alone: ``safe_markdown`` escapes
    every ``<`` of the document or model text, so none of that text can open a tag."""
    into.markdown(markdown, unsafe_allow_html=True)


def citations_view(citations: list[Citation], key: str) -> None:
    """The citation markers as buttons that open the viewer at the cited page, then one expander per
    passage with the passage and its file to download."""
    if not citations:
        return
    svc = resources.service()
    with st.container(horizontal=True, gap="small"):
        for c in citations:
            source_view.open_button(c, key=f"{key}_{c.n}")
    for c in citations:
        with st.expander(f"[{c.n}] {page_label(literal(c.file), c.page)}", icon=":material/description:"):
            st.markdown(safe_markdown(c.passage))
            file_link(svc, c.item_id, c.file, key=f"{key}_{c.n}")


def lead_first(text: str, short: str | None) -> str:
    """A model's first line "Answer: X [n]" shown as the bold direct answer (offline answers already are)."""
    first, _, rest = text.partition("\n")
    match = re.match(r"^\s*\**\s*answer\s*\**\s*:\s*\**(.+?)\**\s*((?:\[[\d, ]+\]\s*)*)$", first, re.IGNORECASE)
    if not match:
        return text
    if match.group(1).strip().lower().startswith("not in the files"):
        return NOT_FOUND + ("\n\n" + rest.strip() if rest.strip() else "")
    body = short or match.group(1).strip()
    return f"**{body}** {match.group(2).strip()}".rstrip() + ("\n\n" + rest.strip() if rest.strip() else "")



# ---------------------------------------------------------------- suggestions


def suggestions() -> None:
    """Questions to start from: generic on an empty drive, built from the files and entities otherwise."""
    svc = resources.service()
    n = svc.counts()
    if n.files == 0:
        st.info("Your drive is empty. Add PDFs, Word files, slides, spreadsheets or notes in the sidebar, "
                "then ask about them here.", icon=":material/upload_file:")
        return
    if n.busy:
        many = n.busy != 1
        st.caption(f"{n.busy} file{'s are' if many else ' is'} still being processed; "
                   f"answers will include {'them' if many else 'it'} once ready.")
    questions = suggested_questions(svc.recent_files(2), svc.top_entities(2), n.ready)
    if not questions:
        return
    st.markdown("**Try asking**")
    cols = st.columns(len(questions))
    for i, (col, question) in enumerate(zip(cols, questions, strict=True)):
        col.button(question, key=f"chat_suggest_{i}", on_click=_queue, args=(question,), width="stretch")


def suggested_questions(files: list[str], entities: list[str], ready: int) -> list[str]:
    """At most four starter questions from recent files and the most mentioned entities."""
    if ready == 0:
        return []
    out = ["What are the main themes across my files?"]
    out += [f"What do my files say about {e}?" for e in entities[:2]]
    out += [f"Summarize {f}" for f in files[:1]]
    return out[:4]


def _queue(question: str) -> None:
    st.session_state[PENDING_KEY] = question


def pending_question() -> str | None:
    value = st.session_state.pop(PENDING_KEY, None)
    return value if isinstance(value, str) else None


# ---------------------------------------------------------------- answering


def respond(question: str) -> None:
    """Ask the drive, showing its stages (searching, reading, composing) in a status line, then the answer as it
    comes: a model's word by word, an offline answer line by line. The question is stored here first, the
    answer by ``rag.ask``."""
    drive, owner = resources.drive(), resources.owner()
    # Stored before anything is drawn: "New chat", a reload or another page mid-answer stops this run at its next
    # drawing, and the question must still be in the conversation then (shown with "Ask again").
    sid, question_id = _store_question(question)
    conversations.open_(sid)
    with st.chat_message("user"):
        st.markdown(safe_markdown(question))
    with st.chat_message("assistant"):
        status = st.status(SEARCHING, expanded=False)
        placeholder = st.empty()
        stages: list[str] = []
        try:
            answer = run_ask(question, sid, question_id, _streamer(placeholder), _stager(status, stages))
        except DriveError as exc:  # the question stays in the conversation, to be asked again
            status.update(label="Could not answer", state="error")
            placeholder.error(str(exc))
            return
        status.update(label=done_label(stages), state="complete")
        text = lead_first(answer.text, answer.short_answer)
        if answer.extractive:
            reveal(placeholder, text)
        stored = sessions.messages(drive.db, owner, sid)
        last = stored[-1] if stored and stored[-1].role == "assistant" else None
        key = f"m{last.id}" if last else "live"
        show_markdown(answer_markdown(text, answer.citations, sid, last.id if last else None), placeholder)
        citations_view(answer.citations, key=key)
        if answer.note:
            st.caption(answer.note)
        st.caption(mode_caption(answer.mode, answer.timings_ms, answer.extractive))
        if last is not None:
            feedback(last)
        if answer.extractive and not model_connected():
            offline_hint()


def _store_question(question: str) -> tuple[uuid.UUID, int]:
    """The question in the open conversation, or in a new one (none open, or deleted in another tab just now)."""
    drive, owner = resources.drive(), resources.owner()
    asked = sessions.StoredMessage("user", question, None, [], [])
    sid = current_session()
    if sid is not None:
        with contextlib.suppress(NotFound):
            return sid, sessions.add_message(drive.db, owner, sid, asked)
    sid = sessions.create_session(drive.db, owner)
    return sid, sessions.add_message(drive.db, owner, sid, asked)


def run_ask(question: str, sid: uuid.UUID, question_id: int, on_token: Callable[[str], None],
            on_stage: Callable[[str], None] | None = None) -> Answer:
    from rag.ask import ask  # the answering stack loads on the first question, not with the page

    mode = settings_view.answer_mode()
    return ask(resources.drive(), resources.owner_models(), resources.owner(), question, mode=mode,
               session_id=sid, on_token=on_token, on_stage=on_stage, question_id=question_id)


def _streamer(placeholder: Any) -> Callable[[str], None]:
    pieces: list[str] = []

    def on_token(piece: str) -> None:
        pieces.append(piece)
        placeholder.markdown(safe_markdown("".join(pieces)) + CURSOR)

    return on_token


def _stager(status: Any, stages: list[str]) -> Callable[[str], None]:
    """Each stage becomes the status label and a line inside it (our own words: counts, never document text)."""

    def on_stage(stage: str) -> None:
        stages.append(stage)
        status.update(label=stage)
        status.caption(stage)

    return on_stage


def done_label(stages: list[str]) -> str:
    """The finished status: what the answer was read from ("Read 10 passages from 3 files")."""
    reading = next((s for s in stages if s.startswith("Reading ")), None)
    return "Read " + reading.removeprefix("Reading ").rstrip("…") if reading else "Answered"


def answer_pieces(text: str) -> list[str]:
    """An offline answer in the order it reads: the short answer, then each supporting line with its citation.
    Joined, the pieces are the text again."""
    lines = text.split("\n")
    return [line + ("\n" if i < len(lines) - 1 else "") for i, line in enumerate(lines)]


def reveal(placeholder: Any, text: str) -> None:
    """Show an offline answer line by line, as a model's answer streams: the short answer comes first."""
    shown = ""
    for piece in answer_pieces(text):
        shown += piece
        if piece.strip():
            placeholder.markdown(safe_markdown(shown) + CURSOR)
            time.sleep(REVEAL_PAUSE_S)
