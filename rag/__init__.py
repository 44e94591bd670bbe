"""Pantau's core library, in wings by concern, layered (each imports only downward):

    base (config, types, text, dates, memory, regulations)
      <- store, models <- retrieval, tracking <- answering <- service <- evaluate

It imports nothing of ours outside rag/ and no web framework; tests/test_layout.py holds
the layering. Map: docs/ARCHITECTURE.md.
"""
