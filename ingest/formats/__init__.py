"""The formats wing of ingest: parsers that turn one document's text or bytes (scraped news
text, Markdown, JSONL records, HTML, PDF, CSV) into an Article. No I/O, no fetching, no
store: they import rag (types, dates, text) and each other only."""
