"""The model gateway: local vLLM, then a local llama.cpp/Ollama server, then the cloud, then offline."""

from __future__ import annotations

from tradeassist.core.gateway.gateway import Attempt, Completion, Gateway, ModelStream, conversation_window
from tradeassist.core.gateway.policy import Policy

__all__ = ["Attempt", "Completion", "Gateway", "ModelStream", "Policy", "conversation_window"]
