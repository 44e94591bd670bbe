"""Ingestion: sources (files, uploads, URLs behind the address guard, feeds) -> formats/
(parsers, Article out) -> dedup and chunking -> PantauService.index, with a record of what
was read. Imports rag only; rag never imports it."""
