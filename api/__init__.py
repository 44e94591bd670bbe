"""Pantau's HTTP layer beyond the routes in app.py: the OpenAI-compatible ``/v1`` router,
the JSON error shapes and body limit, the API key dependency and server-sent events.

Imports rag (never ui or ingest); app.py composes it into the FastAPI app.
"""
