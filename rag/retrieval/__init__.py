"""The retrieval wing: a question's plan (follow-ups, "now", periods, glossary expansion),
BM25 over the stored passages and the hybrid retriever that fuses it with the dense side.
Imports the base, rag.store and rag.models; never answering or tracking."""
