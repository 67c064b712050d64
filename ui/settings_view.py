"""The Settings page's parts: connect an OpenAI-compatible language model (tested before it is saved,
the key never shown again) and, under Advanced, the answer mode with what each mode does."""

from __future__ import annotations

import streamlit as st

from drive.errors import DriveError
from ui import resources
from ui.format import literal

MODE_KEY = "answer_mode"  # read by the chat page; not a widget key, so it outlives the Settings page
MODE_HELP = {
    "auto": "Picks the search for each question: passages for facts, the graph for people and links, "
            "community summaries for themes.",
    "local": "Starts from the people, organisations and places the question names, and their neighbours.",
    "global": "Answers from the community summaries: for broad questions about themes across all files.",
    "vector": "Passages closest in meaning to the question (embeddings only).",
    "keyword": "Passages containing the question's words (full-text search only).",
    "hybrid": "Meaning and words together, without the graph.",
}


def answer_mode() -> str:
    value = st.session_state.get(MODE_KEY, "auto")
    return value if value in MODE_HELP else "auto"


def model_section() -> None:
    st.subheader("Language model")
    st.caption("Without a model, answers quote the passages that answer the question. Connect any "
               "OpenAI-compatible endpoint (OpenAI, a local Ollama or vLLM server…) for written answers.")
    svc = resources.service()
    saved = svc.model_connection()
    if saved is not None:
        st.success(f"Connected: **{literal(saved.model)}** at `{saved.base_url}`"
                   + (" · key saved (hidden)" if saved.api_key else " · no key"), icon=":material/link:")
    with st.form("settings_model", border=True):
        url = st.text_input("Base URL", value=saved.base_url if saved else "", key="settings_url",
                            placeholder="https://api.openai.com/v1 or http://localhost:11434/v1")
        model = st.text_input("Model", value=saved.model if saved else "", key="settings_model_name",
                              placeholder="gpt-4o-mini")
        key = st.text_input("API key", type="password", key="settings_key",
                            placeholder="leave empty to keep the saved key" if saved and saved.api_key else "")
        test_col, save_col = st.columns(2)
        tested = test_col.form_submit_button("Test connection", icon=":material/network_check:", width="stretch")
        saving = save_col.form_submit_button("Save", type="primary", icon=":material/save:", width="stretch")
    if tested or saving:
        _test_and_save(url, model, key, save=saving)
    if saved is not None and st.button("Disconnect", key="settings_disconnect", icon=":material/link_off:"):
        svc.disconnect_model()
        st.rerun()


def _test_and_save(url: str, model: str, key: str, *, save: bool) -> None:
    svc = resources.service()
    try:
        with st.spinner("Asking the model for a one-word reply…"):
            reply = svc.test_model(url, model, key)
    except DriveError as exc:
        st.error(f"The model did not answer: {literal(str(exc))}", icon=":material/error:")
        return
    if not save:
        st.success(f"The model answered ({len(reply)} characters): the connection works.", icon=":material/check:")
        return
    svc.connect_model(url, model, key)
    st.session_state.pop("settings_key", None)
    st.rerun()


def advanced_section() -> None:
    with st.expander("Advanced", icon=":material/tune:"):
        st.radio("Answer mode", list(MODE_HELP), index=list(MODE_HELP).index(answer_mode()), key="settings_mode",
                 captions=list(MODE_HELP.values()), on_change=_keep_mode)


def _keep_mode() -> None:
    st.session_state[MODE_KEY] = st.session_state.get("settings_mode", "auto")
