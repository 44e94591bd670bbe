"""Chat models for LLM answers: one factory over the supported backends.

``make_chat_model(settings)`` returns a LangChain chat model (or None for extractive
answers). Backend libraries are optional (``pip install -e ".[llm]"``) and imported inside
the factory, so importing this module loads no model and opens no connection; even the
returned model connects (ollama/openai) or loads its weights (llamacpp) on first use.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from rag.config import Settings

BACKENDS = ("none", "ollama", "openai", "llamacpp")
#: Sent when an OpenAI-compatible server needs no key (the client refuses an empty one).
DUMMY_API_KEY = "not-needed"


def _backend(settings: Settings) -> str:
    backend = (settings.llm_backend or "none").strip().lower()
    if backend not in BACKENDS:
        raise ValueError(f"unknown llm_backend {settings.llm_backend!r}; valid: "
                         + ", ".join(BACKENDS))
    return backend


def _missing(package: str, backend: str) -> ImportError:
    return ImportError(f"llm_backend={backend!r} needs {package}: "
                       f"pip install -e \".[llm]\" (or pip install {package})")


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """The chat model ``settings.llm_*`` describe, or None when ``llm_backend`` is "none".

    Raises ValueError for an unknown backend or a missing model name, FileNotFoundError for
    a llamacpp GGUF path that does not exist, ImportError when the backend's package is not
    installed. Nothing is contacted or loaded here.
    """
    backend = _backend(settings)
    if backend == "none":
        return None
    if not settings.llm_model:
        raise ValueError(f"llm_backend={backend!r} needs PANTAU_LLM_MODEL "
                         "(a model name, or a GGUF path for llamacpp)")
    if backend == "ollama":
        try:
            from langchain_ollama import ChatOllama
        except ImportError as exc:
            raise _missing("langchain-ollama", backend) from exc
        return ChatOllama(
            model=settings.llm_model, base_url=settings.llm_base_url or None,
            temperature=settings.llm_temperature, num_predict=settings.llm_max_tokens,
            # ollama's Client passes these to httpx: one timeout for the whole request.
            client_kwargs={"timeout": settings.llm_timeout},
        )
    if backend == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise _missing("langchain-openai", backend) from exc
        return ChatOpenAI(
            model=settings.llm_model, base_url=settings.llm_base_url or None,
            api_key=settings.llm_api_key or DUMMY_API_KEY,
            temperature=settings.llm_temperature, max_tokens=settings.llm_max_tokens,
            timeout=settings.llm_timeout, max_retries=1,
            # ChatOpenAI sends max_tokens as the newer "max_completion_tokens"; some
            # OpenAI-compatible servers (llama.cpp's among them) only honour "max_tokens".
            extra_body={"max_tokens": settings.llm_max_tokens},
        )
    path = Path(settings.llm_model).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"llm_backend='llamacpp' needs a GGUF file; not found: {path}")
    return LlamaCppChat(model_path=str(path), temperature=settings.llm_temperature,
                        max_tokens=settings.llm_max_tokens)


def model_label(settings: Settings) -> str:
    """A short name for the configured model, e.g. "openai:gemma3-270m" or
    "llamacpp:gemma-3-270m-q4_k_m"; answers report it as mode "llm:<label>"."""
    backend = _backend(settings)
    if backend == "none":
        return "none"
    name = settings.llm_model or "default"
    if backend == "llamacpp":
        name = Path(name).name.removesuffix(".gguf")
    return f"{backend}:{name}"


_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


class LlamaCppChat(BaseChatModel):
    """A local GGUF model through llama-cpp-python, loaded on first use.

    A thin wrapper rather than langchain-community's ChatLlamaCpp: that package would pull
    in a large dependency tree for one class. Calls are serialised (a llama.cpp context is
    not thread-safe); the chat template stored in the GGUF formats the messages.
    """

    model_path: str
    temperature: float = 0.1
    max_tokens: int = 512
    n_ctx: int = 4096
    n_threads: int | None = None

    _llama: Any = PrivateAttr(default=None)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    def _model(self) -> Any:
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise _missing("llama-cpp-python", "llamacpp") from exc
            self._llama = Llama(model_path=self.model_path, n_ctx=self.n_ctx,
                                n_threads=self.n_threads, verbose=False)
        return self._llama

    def _request(self, messages: list[BaseMessage], stop: list[str] | None) -> dict:
        return {
            "messages": [{"role": _ROLES.get(m.type, "user"), "content": m.text}
                         for m in messages],
            "temperature": self.temperature, "max_tokens": self.max_tokens, "stop": stop,
        }

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None,
                  **kwargs: Any) -> ChatResult:
        with self._lock:
            out = self._model().create_chat_completion(**self._request(messages, stop))
        text = out["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        with self._lock:
            for part in self._model().create_chat_completion(
                    **self._request(messages, stop), stream=True):
                delta = part["choices"][0]["delta"].get("content") or ""
                if not delta:
                    continue
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
                if run_manager:
                    run_manager.on_llm_new_token(delta, chunk=chunk)
                yield chunk
