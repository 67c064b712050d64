"""Files: browse folders, upload (sidebar), rename, move, delete, download, preview and reprocess."""

import streamlit as st

from ui import files_view, resources
from ui.folders import current_folder

svc = resources.service()
folder = current_folder(svc)
items = svc.list(folder.id if folder else None)
files_view.header(svc, folder, items)
files_view.toolbar(svc, folder)
chosen = files_view.selected(svc, folder)
if chosen is None:
    files_view.listing(svc, items, None)
else:
    list_col, detail_col = st.columns([3, 2])
    with list_col:
        files_view.listing(svc, items, chosen)
    with detail_col:
        files_view.details(svc, chosen)
