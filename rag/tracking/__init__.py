"""The tracking wing: what Pantau derives about regulations and players from the passages:
the regulation registry, the gazetteer of entities, dated event timelines, impact
statements and "what's new since". Imports the base, rag.store and rag.models only."""
