"""The web app and JSON API: a thin skin over :class:`themeflow.service.Themeflow`.

``create_app`` (in :mod:`themeflow.web.app`) builds the FastAPI application; ``themeflow serve`` runs it
with uvicorn on 127.0.0.1.
"""
