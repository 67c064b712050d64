"""Chat (home): ask questions about your files; answers cite the passages they come from."""

import streamlit as st

from ui import chat, source_view

st.title("Chat with your drive")
bar = st.container()  # filled last, so a conversation started in this run is already listed
question = st.chat_input("Ask about your files…", key="chat_input") or chat.pending_question()
shown = chat.history(asking=bool(question))
if question:
    source_view.close()
    chat.respond(question)
elif shown == 0:
    chat.suggestions()
with bar:
    chat.conversations_bar()
source_view.show_open()
