"""Which providers a call may use, in which order, and what each model costs.

Defaults follow the design: data marked confidential never leaves local models; SQL and simple
tasks go local first; complex reasoning may go to the cloud first when cloud use is allowed and
the task is listed in ``TRADEASSIST_LLM_CLOUD_FIRST_TASKS``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tradeassist.core.errors import BadInputError, ConfigError

if TYPE_CHECKING:
    from tradeassist.core.gateway.providers import Provider
    from tradeassist.core.settings import Settings

#: What a call is for; the policy orders providers by it.
TASKS = ("sql", "simple", "complex", "route")
#: Token caps per task below TRADEASSIST_LLM_MAX_TOKENS: a route pick is one word, and a small
#: local model asked for one word may otherwise ramble to the full budget (seconds on a CPU).
TASK_MAX_TOKENS = {"route": 16}


def max_tokens_for(task: str, configured: int, requested: int | None = None) -> int | None:
    """The token cap to send for one call, or None to keep the provider's configured one."""
    caps = [cap for cap in (requested, TASK_MAX_TOKENS.get(task)) if cap is not None and cap < configured]
    return min(caps) if caps else None

#: USD per million tokens (in, out) of common cloud models; settings may add or override any.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "openai/gpt-4o-mini": (0.15, 0.60),
    "claude-haiku-4-5": (1.00, 5.00),
    "claude-sonnet-4-5": (3.00, 15.00),
    "claude-3-5-haiku-latest": (0.80, 4.00),
    "claude-3-5-sonnet-latest": (3.00, 15.00),
}


def price_table(settings: Settings) -> dict[str, list[float]]:
    """Price overrides: the YAML file (if any), then ``TRADEASSIST_MODEL_PRICES`` on top."""
    prices: dict[str, list[float]] = {}
    if settings.model_prices_file is not None:
        import yaml

        try:
            loaded = yaml.safe_load(settings.model_prices_file.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"Could not read the model price file {settings.model_prices_file}: {exc}") from None
        if not isinstance(loaded, dict):
            raise ConfigError(f"{settings.model_prices_file} must map model names to [input, output] prices.")
        prices.update({str(model): list(pair) for model, pair in loaded.items()})
    prices.update(settings.model_prices)
    return prices


def price_of(model: str, overrides: Mapping[str, Sequence[float]], *, local: bool) -> tuple[float, float]:
    """(in, out) USD per million tokens: an override, the table, or zero for local models."""
    if model in overrides:
        pair = tuple(float(x) for x in overrides[model])
        if len(pair) != 2:
            raise ConfigError(f"The price of {model!r} must be two numbers: input and output USD per 1M tokens.")
        return pair  # type: ignore[return-value]
    if local:
        return 0.0, 0.0
    return DEFAULT_PRICES.get(model, (0.0, 0.0))


@dataclass(frozen=True)
class Policy:
    """Routing rules for model calls: privacy first, then locality, then the task."""

    allow_cloud: bool = True
    #: Everything is confidential (the whole deployment keeps data local).
    all_confidential: bool = False
    cloud_first_tasks: frozenset[str] = frozenset({"complex"})

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        """The policy configured in settings."""
        return cls(allow_cloud=settings.allow_cloud, all_confidential=settings.confidential,
                   cloud_first_tasks=frozenset(settings.llm_cloud_first_tasks))

    def order(self, providers: Iterable[Provider], *, task: str = "simple", confidential: bool = False) -> list[Provider]:
        """The providers a call may use, first choice first; empty means answer offline."""
        if task not in TASKS:
            raise BadInputError(f"Unknown model task {task!r}; use one of {', '.join(TASKS)}.")
        providers = list(providers)
        local = [p for p in providers if p.local]
        if confidential or self.all_confidential or not self.allow_cloud:
            return local
        cloud = [p for p in providers if not p.local]
        if task in self.cloud_first_tasks:
            return cloud + local
        return local + cloud
