"""TheDrive's web app: ``streamlit run app.py``.

Every page gets the sidebar upload box; the pages themselves live in ``app_pages/`` and stay thin,
calling ``drive``/``rag`` through the cached resources in ``ui.resources``. (Not ``pages/``: a folder of
that name puts Streamlit in its old multipage mode until ``st.navigation`` first runs, so a deep link
opened first on a fresh server would run the page file alone, without this script.)
"""

import logging

import streamlit as st

from ui import auth, conversations, resources, sidebar
from ui.folders import current_folder

st.set_page_config(page_title="TheDrive", page_icon=":material/cloud:", layout="wide")
auth.require_user()

try:
    resources.workers()
except Exception as exc:  # noqa: BLE001 - the drive stays usable; say why files will not be processed
    logging.getLogger("thedrive.app").exception("background workers did not start")
    st.sidebar.error(f"Background processing is not running: {exc}")

chat = st.Page("app_pages/chat.py", title="Chat", icon=":material/chat:", default=True)
files = st.Page("app_pages/files.py", title="Files", icon=":material/folder:")
graph = st.Page("app_pages/graph.py", title="Entity graph", icon=":material/hub:")
communities = st.Page("app_pages/communities.py", title="Communities", icon=":material/workspaces:")
settings_page = st.Page("app_pages/settings.py", title="Settings", icon=":material/settings:")
page = st.navigation([chat, files, graph, communities, settings_page])
conversations.note_page(page.url_path)

if page.url_path == files.url_path:
    folder = current_folder(resources.service())
    sidebar.render(folder.id if folder else None, folder.path if folder else None)
else:
    sidebar.render()
with st.sidebar:
    auth.sign_out_button()
page.run()
