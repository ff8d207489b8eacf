"""The model gateway: local vLLM first, cloud as fallback, offline methods when neither answers."""

from __future__ import annotations

from core.gateway.gateway import Attempt, Completion, Gateway, ModelStream, conversation_window
from core.gateway.policy import Policy

__all__ = ["Attempt", "Completion", "Gateway", "ModelStream", "Policy", "conversation_window"]
