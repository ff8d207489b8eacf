"""Fixtures for model tests: settings pointing the real clients at scripted local servers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # llm_server lives beside the tests


@pytest.fixture
def model_settings(settings):
    """Build settings whose providers are local scripted servers; fast timeouts for tests."""

    def build(*, local=None, cloud=None, **changes):
        values = dict(llm_first_token_timeout_s=2.0, llm_timeout_s=5.0, llm_queue_timeout_s=1.0,
                      llm_breaker_cooldown_s=30.0)
        if local is not None:
            values.update(vllm_url=local if isinstance(local, str) else local.url, vllm_model="local-model")
        if cloud is not None:
            values.update(openai_api_key="sk-test", openai_base_url=cloud if isinstance(cloud, str) else cloud.url,
                          openai_model="gpt-4o-mini")
        values.update(changes)
        return settings.model_copy(update=values)

    return build
