"""Settings: the user's own language model (written answers) and, under Advanced, the answer mode."""

import streamlit as st

from ui import settings_view

st.title("Settings")
settings_view.model_section()
settings_view.advanced_section()
