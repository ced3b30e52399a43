"""The live dashboard: a Streamlit app (app.py) on the published file, started by
`cakupan dashboard` / `make dashboard`."""
