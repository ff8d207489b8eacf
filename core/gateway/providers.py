"""Providers: one configured model endpoint each, built on LangChain chat models.

    vllm         vLLM's OpenAI-compatible server (local; TRADEASSIST_VLLM_URL, _VLLM_MODEL)
    vllm-engine  vLLM in this process (local; the ``gpu`` extra and a CUDA device)
    local        another local OpenAI-compatible server: llama.cpp's or Ollama's ``/v1``
                 (local; TRADEASSIST_LOCAL_URL, _LOCAL_MODEL), tried after vLLM, before the cloud
    openai       OpenAI or any OpenAI-compatible API (cloud; TRADEASSIST_OPENAI_API_KEY)
    openrouter   OpenRouter (cloud; TRADEASSIST_OPENROUTER_API_KEY)
    anthropic    Anthropic (cloud; TRADEASSIST_ANTHROPIC_API_KEY)

Every wrapped client is built with ``max_retries=0``: the gateway owns the only retry layer, so a
provider sees at most ``retries + 1`` requests per call. Each provider has two clients: one for
whole answers (read timeout = the total timeout) and one for streams (read timeout = the time to
first token, which also bounds a stall between chunks).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tradeassist.core.gateway.breaker import CircuitBreaker
from tradeassist.core.gateway.limits import ConcurrencyLimit, RetryPolicy, Timeouts
from tradeassist.core.gateway.policy import price_of, price_table

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from tradeassist.core.settings import Settings

OPENROUTER_URL = "https://openrouter.ai/api/v1"
#: The model name sent to a local server when none is configured: llama.cpp's server answers
#: with the one model it loaded whatever the name; Ollama needs TRADEASSIST_LOCAL_MODEL.
LOCAL_DEFAULT_MODEL = "default"
#: Retryable HTTP statuses: rate limited, overloaded, or a gateway in front of the model failing.
RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})


@dataclass(eq=False)
class Provider:
    """One model endpoint with its own timeouts, concurrency cap, breaker and prices."""

    name: str
    model: str
    local: bool
    kind: str  # openai-compatible | anthropic | vllm-engine
    base_url: str | None = None
    api_key: str | None = None
    max_tokens: int = 1024
    #: The model's context window when it is small enough to matter (a CPU server); None: large.
    context_tokens: int | None = None
    #: The server reads only the older ``max_tokens`` field: LangChain sends the cap as
    #: ``max_completion_tokens``, which llama-cpp-python's server ignores (it then writes until its
    #: context is full), so the cap is also sent as ``max_tokens`` in the request body.
    legacy_max_tokens: bool = False
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    limit: ConcurrencyLimit = field(default_factory=lambda: ConcurrencyLimit(8))
    #: USD per million tokens in and out.
    price_in: float = 0.0
    price_out: float = 0.0
    #: Built lazily; tests or the in-process engine may pass ready chat models.
    chat_whole: Any = None
    chat_stream: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def where(self) -> str:
        """local or cloud, as the policy and the doctor say it."""
        return "local" if self.local else "cloud"

    def chat(self, *, streaming: bool = False) -> BaseChatModel:
        """The LangChain chat model for whole answers or for streams (built once)."""
        with self._lock:
            if self.name == "local" and self.model == LOCAL_DEFAULT_MODEL and self.chat_whole is None \
                    and self.chat_stream is None:
                self.model = _served_name(self) or self.model
            try:
                if streaming:
                    if self.chat_stream is None:
                        self.chat_stream = _build_chat(self, read_timeout=self.timeouts.first_token_s)
                    return self.chat_stream
                if self.chat_whole is None:
                    self.chat_whole = _build_chat(self, read_timeout=self.timeouts.total_s)
                return self.chat_whole
            except Exception as exc:  # any SDK refusal: every call to this provider would fail alike
                raise ClientBuildError(f"{type(exc).__name__}: {str(exc)[:200]}") from exc

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        """Estimated USD cost of one call."""
        return (tokens_in * self.price_in + tokens_out * self.price_out) / 1_000_000


class ClientBuildError(Exception):
    """The SDK refused to build this provider's client (an argument it no longer takes, a bad setting).

    Not a flaky response: no retry helps, and every call fails the same way until the install or the
    settings change, so the gateway reports it at once and the answer says the model was not used.
    """


def _served_name(provider: Provider) -> str | None:
    """The one model a local server lists, or None (several, or no answer: the name stays unset).

    llama-cpp-python's server echoes whatever model name a request sends, so without this every
    answer would say it was written by "default" instead of naming the model file.
    """
    import httpx

    try:
        items = httpx.get(f"{provider.base_url}/models", timeout=provider.timeouts.connect_s).json().get("data", [])
    except (httpx.HTTPError, ValueError, AttributeError):
        return None
    names = [str(item.get("id")) for item in items if isinstance(item, dict) and item.get("id")]
    return names[0] if len(names) == 1 else None


def display_name(model: str) -> str:
    """A model name as shown with an answer: a GGUF path shortened to its file name."""
    from pathlib import PurePath

    return PurePath(model).name if model.endswith(".gguf") else model


def _build_chat(provider: Provider, *, read_timeout: float) -> BaseChatModel:
    if provider.kind == "anthropic":
        from langchain_anthropic import ChatAnthropic

        extra = {"base_url": provider.base_url} if provider.base_url else {}
        return ChatAnthropic(model=provider.model, api_key=provider.api_key, max_retries=0,
                             default_request_timeout=read_timeout, max_tokens=provider.max_tokens,
                             temperature=0, stream_usage=True, **extra)
    if provider.kind == "vllm-engine":
        from tradeassist.core.gateway.engine import InProcessVllmChat

        return InProcessVllmChat.shared(provider.model, max_tokens=provider.max_tokens)
    from langchain_openai import ChatOpenAI
    from openai import Timeout

    # The SDK's own Timeout class: openai 3 moved from httpx to httpx2 and refuses the other's.
    timeout = Timeout(read_timeout, connect=min(provider.timeouts.connect_s, read_timeout))
    extra = {"extra_body": {"max_tokens": provider.max_tokens}} if provider.legacy_max_tokens else {}
    return ChatOpenAI(model=provider.model, base_url=provider.base_url, api_key=provider.api_key or "EMPTY",
                      max_retries=0, timeout=timeout, max_tokens=provider.max_tokens, temperature=0,
                      stream_usage=True, **extra)


def classify_error(exc: BaseException) -> tuple[bool, float | None, str]:
    """(retryable, retry-after seconds, short description) for an exception from a chat model."""
    import json

    if isinstance(exc, ClientBuildError):
        return False, None, f"its client cannot be built ({exc})"
    status = getattr(exc, "status_code", None)
    name = type(exc).__name__
    if status is not None:
        retry_after = None
        response = getattr(exc, "response", None)
        header = response.headers.get("retry-after") if response is not None else None
        if header:
            try:
                retry_after = float(header)
            except ValueError:
                retry_after = None
        return int(status) in RETRYABLE_STATUS, retry_after, f"HTTP {status}"
    if "Timeout" in name:
        # A slow provider is likely overloaded: fail over rather than wait again.
        return False, None, "timed out"
    if "Connection" in name:
        return False, None, "connection failed"
    if isinstance(exc, (json.JSONDecodeError, ValueError, KeyError, TypeError)) or "Validation" in name or "Decode" in name:
        return True, None, f"malformed response ({name})"
    return False, None, f"{name}: {str(exc)[:120]}"


def build_providers(settings: Settings) -> list[Provider]:
    """The providers configured in settings, local ones first (the policy orders them per call)."""
    if settings.offline_only:
        return []
    timeouts = Timeouts(first_token_s=settings.llm_first_token_timeout_s, total_s=settings.llm_timeout_s,
                        queue_s=settings.llm_queue_timeout_s)
    retry = RetryPolicy(retries=settings.llm_retries)
    prices = price_table(settings)
    found: list[Provider] = []

    def add(name: str, model: str, *, local: bool, kind: str, base_url=None, api_key=None, context=None) -> None:
        price_in, price_out = price_of(model, prices, local=local)
        found.append(Provider(
            name=name, model=model, local=local, kind=kind, base_url=base_url, api_key=api_key,
            max_tokens=settings.llm_max_tokens, context_tokens=context, legacy_max_tokens=name == "local",
            timeouts=timeouts, retry=retry,
            breaker=CircuitBreaker(settings.llm_breaker_failures, settings.llm_breaker_cooldown_s),
            limit=ConcurrencyLimit(settings.llm_local_concurrency if local else settings.llm_cloud_concurrency),
            price_in=price_in, price_out=price_out))

    if settings.vllm_url:
        add("vllm", settings.vllm_model or "default", local=True, kind="openai-compatible",
            base_url=_v1(settings.vllm_url), api_key=settings.vllm_api_key)
    if settings.vllm_engine_model and _gpu_engine_available():
        add("vllm-engine", settings.vllm_engine_model, local=True, kind="vllm-engine")
    if settings.local_url:
        # A CPU server (llama.cpp, Ollama) is slower than vLLM on a GPU, so it comes after it; it
        # still keeps data on the machine, so it comes before any cloud model.
        add("local", settings.local_model or LOCAL_DEFAULT_MODEL, local=True, kind="openai-compatible",
            base_url=_v1(settings.local_url), api_key=settings.local_api_key, context=settings.local_context_tokens)
    if settings.openai_api_key:
        add("openai", settings.openai_model, local=False, kind="openai-compatible",
            base_url=settings.openai_base_url, api_key=settings.openai_api_key)
    if settings.openrouter_api_key:
        add("openrouter", settings.openrouter_model, local=False, kind="openai-compatible",
            base_url=settings.openrouter_base_url or OPENROUTER_URL, api_key=settings.openrouter_api_key)
    if settings.anthropic_api_key:
        add("anthropic", settings.anthropic_model, local=False, kind="anthropic",
            base_url=settings.anthropic_base_url, api_key=settings.anthropic_api_key)
    return found


def _v1(url: str) -> str:
    # vLLM, llama.cpp and Ollama serve the OpenAI API under /v1; accept the bare address too.
    url = url.rstrip("/")
    return url if url.endswith("/v1") else url + "/v1"


def _gpu_engine_available() -> bool:
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        return False
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:  # a broken CUDA install means no in-process engine, not a crash
        return False
