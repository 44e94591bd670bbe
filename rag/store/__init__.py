"""The store wing: articles and passages in Chroma (embedded or a server), their flat
metadata, the change log that keeps every process's derived indexes in step, batch indexing
and near-duplicate fingerprints. Imports the base only (rag.config, rag.types, rag.text,
rag.dates, rag.regulations, rag.memory); embedders arrive as langchain ``Embeddings``."""
