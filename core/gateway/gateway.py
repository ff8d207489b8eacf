"""The gateway: one call to "a model", answered by the first provider the policy allows that works.

Whole answers run through LangChain's ``with_fallbacks`` over one runnable per provider; each of
those applies the provider's breaker, concurrency cap, deadline and the single retry layer around
a chat model built with ``max_retries=0``. Streams fail over only before their first piece; once
text has reached the caller a cut stream is reported, not silently replaced.

    ModelUnavailableError   every allowed provider failed, or none is allowed (offline)
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tradeassist.core.answer import ModelInfo
from tradeassist.core.errors import ModelUnavailableError
from tradeassist.core.gateway.limits import Deadline, ProviderBusy
from tradeassist.core.gateway.policy import Policy
from tradeassist.core.gateway.providers import ClientBuildError, Provider, build_providers, classify_error

if TYPE_CHECKING:
    from tradeassist.core.question import Question
    from tradeassist.core.settings import Settings

Messages = str | Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Attempt:
    """One try at one provider: its outcome (ok, error, open, busy) and how long it took."""

    provider: str
    outcome: str
    detail: str = ""
    ms: float = 0.0


@dataclass(frozen=True)
class Completion:
    """A model's whole answer with its provenance and the attempts that led to it."""

    text: str
    model: ModelInfo
    attempts: tuple[Attempt, ...] = ()
    #: Why the model stopped, as the provider says it ("stop", "length", "max_tokens", ...).
    finish_reason: str | None = None

    @property
    def truncated(self) -> bool:
        """Whether the answer was cut off by the token limit (its end is missing)."""
        return self.finish_reason in ("length", "max_tokens")


class _ProviderFailed(Exception):
    """Internal: this provider gave no answer; with_fallbacks moves to the next one."""


@dataclass
class _Call:
    messages: list
    attempts: list[Attempt] = field(default_factory=list)
    method: str = "llm"
    task: str = "simple"
    max_tokens: int | None = None


class Gateway:
    """Calls language models under the policy, with fallbacks, retries, breakers and caps."""

    def __init__(self, providers: Sequence[Provider], policy: Policy | None = None, *, method: str = "llm"):
        self.providers = list(providers)
        self.policy = policy or Policy()
        self.method = method
        self._runnables: dict[int, Any] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> Gateway:
        """A gateway over the providers configured in settings (none: every call is offline)."""
        return cls(build_providers(settings), Policy.from_settings(settings))

    @property
    def configured(self) -> bool:
        """Whether any provider is configured at all."""
        return bool(self.providers)

    def route(self, *, task: str = "simple", confidential: bool = False) -> list[Provider]:
        """The providers a call would try, in order."""
        return self.policy.order(self.providers, task=task, confidential=confidential)

    def context_tokens(self, *, task: str = "simple", confidential: bool = False) -> int | None:
        """The smallest context window among the providers a call may reach (None: no small one).

        Callers size prompts by it: llama.cpp refuses a prompt longer than its window, and Ollama
        silently drops the prompt's beginning (the system message with the schema or the rules).
        """
        windows = [p.context_tokens for p in self.route(task=task, confidential=confidential) if p.context_tokens]
        return min(windows) if windows else None

    # ------------------------------------------------------------------ whole answers
    def complete(self, messages: Messages, *, task: str = "simple", confidential: bool = False,
                 max_tokens: int | None = None) -> Completion:
        """The first allowed provider's answer; ModelUnavailableError when none answers."""
        order = self.route(task=task, confidential=confidential)
        if not order:
            raise ModelUnavailableError(_no_provider_message(self, confidential))
        call = _Call(_as_messages(messages), task=task, max_tokens=max_tokens)
        runnables = [self._runnable(provider) for provider in order]
        chain = runnables[0].with_fallbacks(runnables[1:], exceptions_to_handle=(_ProviderFailed,)) \
            if len(runnables) > 1 else runnables[0]
        try:
            return chain.invoke(call)
        except _ProviderFailed:
            raise ModelUnavailableError(_failed_message(call.attempts)) from None

    def _runnable(self, provider: Provider):
        runnable = self._runnables.get(id(provider))
        if runnable is None:
            from langchain_core.runnables import RunnableLambda

            runnable = RunnableLambda(lambda call, _p=provider: self._call_provider(_p, call), name=provider.name)
            self._runnables[id(provider)] = runnable
        return runnable

    def _call_provider(self, provider: Provider, call: _Call) -> Completion:
        if not provider.breaker.allow():
            call.attempts.append(Attempt(provider.name, "open", "circuit open"))
            raise _ProviderFailed(provider.name)
        deadline = Deadline(provider.timeouts.total_s)
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                with provider.limit.slot(min(provider.timeouts.queue_s, max(0.0, deadline.left()))):
                    message = provider.chat().invoke(call.messages, **_limits(provider, call.task, call.max_tokens))
                text = _text_of(message)
            except ProviderBusy as exc:
                provider.breaker.release_probe()  # busy says nothing about the provider's health
                call.attempts.append(Attempt(provider.name, "busy", str(exc), _ms(started)))
                raise _ProviderFailed(provider.name) from None
            except Exception as exc:  # every client error is judged below; none escapes as-is
                provider.breaker.record_failure()
                retryable, retry_after, detail = classify_error(exc)
                call.attempts.append(Attempt(provider.name, "error", detail, _ms(started)))
                attempt += 1
                wait = provider.retry.delay(attempt, retry_after)
                if (not retryable or attempt > provider.retry.retries or deadline.left() <= wait
                        or provider.breaker.state != "closed"):
                    raise _ProviderFailed(provider.name) from None
                time.sleep(wait)
                continue
            provider.breaker.record_success()
            latency = _ms(started)
            call.attempts.append(Attempt(provider.name, "ok", "", latency))
            tokens_in, tokens_out = _usage(message, call.messages, text)
            info = ModelInfo(method=self.method, provider=provider.name, model=served_model(provider, message),
                             tokens_in=tokens_in,
                             tokens_out=tokens_out, latency_ms=round(deadline_ms(deadline), 1),
                             cost_usd=round(provider.cost(tokens_in, tokens_out), 8))
            return Completion(text, info, tuple(call.attempts), _finish_reason(message))

    # ------------------------------------------------------------------ streams
    def stream(self, messages: Messages, *, task: str = "simple", confidential: bool = False,
               max_tokens: int | None = None) -> ModelStream:
        """A stream of text pieces from the first provider that starts answering."""
        order = self.route(task=task, confidential=confidential)
        if not order:
            raise ModelUnavailableError(_no_provider_message(self, confidential))
        return ModelStream(order, _as_messages(messages), self.method, task=task, max_tokens=max_tokens)


class ModelStream:
    """Iterate for text pieces; ``cancel()`` or leaving a ``with`` block closes the HTTP stream."""

    def __init__(self, providers: Sequence[Provider], messages: list, method: str = "llm", *, task: str = "simple",
                 max_tokens: int | None = None):
        self.providers = list(providers)
        self.messages = messages
        self.method = method
        self.task = task
        self.max_tokens = max_tokens
        self.attempts: list[Attempt] = []
        self.model: ModelInfo | None = None
        self.text = ""
        self._cancelled = False
        self._source: Iterator | None = None
        self._provider: Provider | None = None
        self._served: str | None = None
        self._pieces = 0
        #: Why the model stopped ("stop", "length", ...); None while streaming or when never said.
        self.finish_reason: str | None = None

    def cancel(self) -> None:
        """Stop: the next piece is not read and the connection is closed (safe from any thread)."""
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        """Whether the caller cancelled the stream."""
        return self._cancelled

    def __enter__(self) -> ModelStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying HTTP stream now."""
        self._cancelled = True
        source, self._source = self._source, None
        if source is not None:
            try:
                source.close()
            except ValueError:  # being read in another thread: the flag stops it after this piece
                pass

    def __iter__(self) -> Iterator[str]:
        for provider in self.providers:
            if self._cancelled:
                return
            if not provider.breaker.allow():
                self.attempts.append(Attempt(provider.name, "open", "circuit open"))
                continue
            started = time.perf_counter()
            try:
                with provider.limit.slot(provider.timeouts.queue_s):
                    yield from self._run(provider, started)
                return
            except ProviderBusy as exc:
                provider.breaker.release_probe()
                self.attempts.append(Attempt(provider.name, "busy", str(exc), _ms(started)))
            except _StreamCut as exc:
                raise ModelUnavailableError(f"The model's answer stopped halfway ({exc}).") from None
            except _ProviderFailed:
                continue
        if not self._cancelled:
            raise ModelUnavailableError(_failed_message(self.attempts))

    def _run(self, provider: Provider, started: float) -> Iterator[str]:
        deadline = Deadline(provider.timeouts.total_s)
        self._provider = provider
        usage: dict[str, int] = {}
        limits = _limits(provider, self.task, self.max_tokens)
        source = iter(self._stream_client(provider, started).stream(self.messages, **limits))
        self._source = source
        try:
            while not self._cancelled:
                try:
                    chunk = next(source)
                except StopIteration:
                    break
                except Exception as exc:  # judged like any client error
                    raise self._failure(provider, exc, started) from None
                piece = self._absorb(chunk, usage)
                if piece:
                    yield piece
                self._check_deadline(provider, deadline, started)
        finally:
            self._source = None
            source.close()  # closes the HTTP response: the server sees the client go away
        self._check_finished(provider, started)
        self._finish(provider, started, usage)

    # ------------------------------------------------------------------ async (chat front ends)
    async def __aiter__(self) -> AsyncIterator[str]:
        """Async pieces; cancelling the consuming task closes the HTTP stream."""
        for provider in self.providers:
            if self._cancelled:
                return
            if not provider.breaker.allow():
                self.attempts.append(Attempt(provider.name, "open", "circuit open"))
                continue
            started = time.perf_counter()
            if not await _acquire(provider):
                provider.breaker.release_probe()
                self.attempts.append(Attempt(provider.name, "busy", "no free slot", _ms(started)))
                continue
            inner = self._arun(provider, started)
            try:
                async for piece in inner:
                    yield piece
                return
            except _StreamCut as exc:
                raise ModelUnavailableError(f"The model's answer stopped halfway ({exc}).") from None
            except _ProviderFailed:
                continue
            except BaseException:  # cancelled task or closed generator: no verdict on the provider
                provider.breaker.release_probe()
                self._cancelled = True
                self.attempts.append(Attempt(provider.name, "cancelled", "", _ms(started)))
                raise
            finally:
                await inner.aclose()  # closes the HTTP stream when the consumer stopped early
                provider.limit.release()
        if not self._cancelled:
            raise ModelUnavailableError(_failed_message(self.attempts))

    async def _arun(self, provider: Provider, started: float) -> AsyncIterator[str]:
        deadline = Deadline(provider.timeouts.total_s)
        self._provider = provider
        usage: dict[str, int] = {}
        limits = _limits(provider, self.task, self.max_tokens)
        source = self._stream_client(provider, started).astream(self.messages, **limits)
        try:
            while not self._cancelled:
                try:
                    chunk = await source.__anext__()
                except StopAsyncIteration:
                    break
                except Exception as exc:  # judged like any client error
                    raise self._failure(provider, exc, started) from None
                piece = self._absorb(chunk, usage)
                if piece:
                    yield piece
                self._check_deadline(provider, deadline, started)
        finally:
            await source.aclose()  # closes the HTTP response, also when the task is cancelled
        self._check_finished(provider, started)
        self._finish(provider, started, usage)

    # ------------------------------------------------------------------ shared steps
    def _absorb(self, chunk: Any, usage: dict[str, int]) -> str:
        for key, value in (getattr(chunk, "usage_metadata", None) or {}).items():
            if key in ("input_tokens", "output_tokens") and isinstance(value, int):
                usage[key] = usage.get(key, 0) + value
        metadata = getattr(chunk, "response_metadata", None) or {}
        if metadata.get("model_name") and self._provider is not None:
            self._served = served_model(self._provider, chunk)
        self.finish_reason = _finish_reason(chunk) or self.finish_reason
        piece = _text_of(chunk)
        self.text += piece
        self._pieces += bool(piece)
        return piece

    def _check_finished(self, provider: Provider, started: float) -> None:
        # An OpenAI-compatible stream ends with a finish reason. llama-cpp-python's server ends a
        # stream early with a clean [DONE] and none when another request arrives
        # (--interrupt_requests, on by default): without this check the cut answer reads as whole.
        if self._cancelled or not self.text or provider.kind != "openai-compatible" or self.finish_reason:
            return
        self.attempts.append(Attempt(provider.name, "error", "stream ended without a finish reason", _ms(started)))
        raise _StreamCut("the server ended the stream without finishing the answer")

    def _stream_client(self, provider: Provider, started: float):
        """The provider's streaming client; a client its SDK refuses to build fails this provider at once."""
        try:
            return provider.chat(streaming=True)
        except ClientBuildError as exc:
            raise self._failure(provider, exc, started) from None

    def _failure(self, provider: Provider, exc: BaseException, started: float) -> Exception:
        provider.breaker.record_failure()
        _retryable, _after, detail = classify_error(exc)
        self.attempts.append(Attempt(provider.name, "error", detail, _ms(started)))
        return _StreamCut(detail) if self.text else _ProviderFailed(provider.name)

    def _check_deadline(self, provider: Provider, deadline: Deadline, started: float) -> None:
        if deadline.passed():
            provider.breaker.record_failure()
            self.attempts.append(Attempt(provider.name, "error", "total timeout", _ms(started)))
            raise _StreamCut("total timeout")

    def _finish(self, provider: Provider, started: float, usage: dict[str, int]) -> None:
        if self._cancelled:
            provider.breaker.release_probe()
            self.attempts.append(Attempt(provider.name, "cancelled", "", _ms(started)))
        else:
            provider.breaker.record_success()
            self.attempts.append(Attempt(provider.name, "ok", "", _ms(started)))
        tokens_in = usage.get("input_tokens") or _estimate(self.messages)
        # Without usage (llama.cpp's server ignores stream_options) each text piece is one token.
        tokens_out = usage.get("output_tokens") or max(1, self._pieces)
        self.model = ModelInfo(method=self.method, provider=provider.name,
                               model=self._served or served_model(provider, None),
                               tokens_in=tokens_in, tokens_out=tokens_out, latency_ms=round(_ms(started), 1),
                               cost_usd=round(provider.cost(tokens_in, tokens_out), 8))


async def _acquire(provider: Provider) -> bool:
    # The cap is a thread semaphore shared with sync callers; poll it without blocking the loop.
    import asyncio

    deadline = Deadline(provider.timeouts.queue_s)
    while not provider.limit.try_acquire():
        if deadline.passed():
            return False
        await asyncio.sleep(0.01)
    return True


class _StreamCut(Exception):
    """Internal: a stream failed after text had reached the caller."""


# ---------------------------------------------------------------------- helpers
def conversation_window(question: Question, *, max_turns: int = 4, max_chars: int = 4000) -> list[tuple[str, str]]:
    """Earlier turns as chat messages, newest kept first when the window is full (bounded)."""
    messages: list[tuple[str, str]] = []
    used = 0
    for turn in reversed(question.context[-max_turns:] if max_turns > 0 else ()):
        reply = turn.answer.text if turn.answer is not None else ""
        size = len(turn.question) + len(reply)
        if used + size > max_chars:
            break
        used += size
        messages[:0] = [("user", turn.question)] + ([("assistant", reply)] if reply else [])
    return messages


def _limits(provider: Provider, task: str, requested: int | None) -> dict[str, int]:
    # Sent per call only when below the provider's own cap (the in-process engine ignores it).
    from tradeassist.core.gateway.policy import max_tokens_for

    cap = max_tokens_for(task, provider.max_tokens, requested)
    if cap is None:
        return {}
    return {"max_tokens": cap, "extra_body": {"max_tokens": cap}} if provider.legacy_max_tokens else {"max_tokens": cap}


def _finish_reason(message: Any) -> str | None:
    """Why the model stopped, as OpenAI-compatible ("finish_reason") or Anthropic ("stop_reason") APIs say it."""
    metadata = getattr(message, "response_metadata", None) or {}
    finish = metadata.get("finish_reason") or metadata.get("stop_reason")
    return str(finish) if finish else None


def _as_messages(messages: Messages) -> list:
    if isinstance(messages, str):
        return [("user", messages)]
    return list(messages)


def _text_of(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # Anthropic-style content blocks
        return "".join(block.get("text", "") if isinstance(block, dict) else str(block) for block in content)
    return str(content)


def served_model(provider: Provider, message: Any) -> str:
    """The model that wrote a reply, as shown with the answer.

    For the local provider the name the server reports, unless it merely echoes the placeholder;
    vLLM and cloud APIs serve the name they were asked for.
    """
    from tradeassist.core.gateway.providers import LOCAL_DEFAULT_MODEL, display_name

    served = str((getattr(message, "response_metadata", None) or {}).get("model_name") or "")
    if provider.name != "local" or not served or served == LOCAL_DEFAULT_MODEL:
        return display_name(provider.model)
    return display_name(served)


def _usage(message: Any, messages: list, text: str) -> tuple[int, int]:
    usage = getattr(message, "usage_metadata", None) or {}
    tokens_in = int(usage.get("input_tokens") or 0) or _estimate(messages)
    tokens_out = int(usage.get("output_tokens") or 0) or max(1, len(text) // 4)
    return tokens_in, tokens_out


def _estimate(messages: list) -> int:
    # About four characters per token: used only when a provider reports no usage.
    return max(1, sum(len(str(m[1] if isinstance(m, tuple) else getattr(m, "content", m))) for m in messages) // 4)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def deadline_ms(deadline: Deadline) -> float:
    """Milliseconds since a deadline started (the call's latency, retries included)."""
    return (deadline.seconds - deadline.left()) * 1000


def _no_provider_message(gateway: Gateway, confidential: bool) -> str:
    if not gateway.providers:
        return ("No language model is configured (set TRADEASSIST_VLLM_URL, TRADEASSIST_LOCAL_URL "
                "or a cloud API key).")
    if confidential or gateway.policy.all_confidential:
        return "This data is confidential and no local model is configured, so no model may see it."
    return "No language model is allowed for this request by the model policy."


def _failed_message(attempts: Sequence[Attempt]) -> str:
    tried = "; ".join(f"{a.provider}: {a.detail or a.outcome}" for a in attempts) or "none tried"
    return f"No language model answered ({tried})."
