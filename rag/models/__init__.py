"""The models wing: the embedders (the packaged multilingual e5 by default, any
sentence-transformers model, a fake for tests), the optional reranker and the chat-model
factory. Imports the base only; nothing is loaded until first use."""
