"""The Streamlit UI's helpers: cached resources, the sidebar, and small view helpers the pages call."""
