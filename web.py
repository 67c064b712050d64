"""TheDrive's web app server: ``streamlit run web.py`` (or ``python web.py``).

Serves the Streamlit app (``app.py``) together with the app's own routes (``ui.web``): the sign-in
cookie, and private, signed download links. With accounts on, the app refuses to start without them.
"""

import streamlit as st

from ui.web import middleware, routes

app = st.App("app.py", routes=routes(), middleware=middleware())

if __name__ == "__main__":
    app.run()
