"""The answering wing: what a question asks for, grounding (anchors and focus terms), the
extractive answerer and the LLM answerer over retrieved passages. Imports the base and the
lower wings (store, models, retrieval, tracking); only rag.service and above import it."""
