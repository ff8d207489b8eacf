"""vLLM inside this process, as a LangChain chat model (the ``gpu`` extra and a CUDA device).

Used when ``TRADEASSIST_VLLM_ENGINE_MODEL`` names a local model folder and no vLLM server is
wanted (a notebook on a GPU machine). One engine per model per process; vLLM batches concurrent
requests itself, and the gateway's concurrency cap still bounds how many wait on it. Streams come
back as one piece (vLLM's offline ``LLM.chat`` returns whole answers).
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import PrivateAttr

from tradeassist.core.errors import ConfigError

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "user": "user", "assistant": "assistant"}


class InProcessVllmChat(BaseChatModel):
    """A chat model backed by ``vllm.LLM`` in this process."""

    model_name: str
    max_tokens: int = 1024
    _llm: Any = PrivateAttr(default=None)
    _shared: ClassVar[dict[str, InProcessVllmChat]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def shared(cls, model: str, *, max_tokens: int = 1024) -> InProcessVllmChat:
        """The process-wide chat model for ``model`` (the engine loads on first call)."""
        with cls._lock:
            if model not in cls._shared:
                cls._shared[model] = cls(model_name=model, max_tokens=max_tokens)
            return cls._shared[model]

    @property
    def _llm_type(self) -> str:
        return "vllm-in-process"

    def _engine(self):
        with self._lock:
            if self._llm is None:
                try:
                    from vllm import LLM
                except ImportError as exc:
                    raise ConfigError("The in-process engine needs the gpu extra: pip install 'tradeassist[gpu]'.") from exc
                self._llm = LLM(model=self.model_name)
            return self._llm

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        engine = self._engine()  # a clear ConfigError first when vllm is not installed
        from vllm import SamplingParams

        conversation = [{"role": _ROLES.get(m.type, "user"), "content": m.content} for m in messages]
        params = SamplingParams(max_tokens=self.max_tokens, temperature=0.0, stop=stop)
        output = engine.chat(conversation, params, use_tqdm=False)[0]
        completion = output.outputs[0]
        usage = {"input_tokens": len(output.prompt_token_ids or ()), "output_tokens": len(completion.token_ids),
                 "total_tokens": len(output.prompt_token_ids or ()) + len(completion.token_ids)}
        message = AIMessage(content=completion.text, usage_metadata=usage)
        return ChatResult(generations=[ChatGeneration(message=message)])
