"""Settings: one pydantic-settings class, env prefix ``TRADEASSIST_``, loaded once at the edge."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path(platformdirs.user_data_dir("tradeassist", appauthor=False))


class Settings(BaseSettings):
    """Every knob of tradeassist; front ends build one and pass it down explicitly."""

    model_config = SettingsConfigDict(env_prefix="TRADEASSIST_", env_file=None, extra="ignore")

    # Where state lives and which data is asked about.
    home: Path = Field(default_factory=_default_home, description="Folder for all product state.")
    db_url: str | None = Field(
        default=None, description="Trading database: a DuckDB path or any SQLAlchemy URL."
    )
    today: dt.date | None = Field(
        default=None, description="Pins the clock for relative dates (reproducible runs)."
    )
    definitions: Path | None = Field(
        default=None, description="Business definitions (YAML) for the trading database's catalog."
    )

    # SQL execution limits (the guard clamps LIMIT; the executor enforces time and rows).
    sql_default_limit: int = Field(default=1000, ge=1)
    sql_max_rows: int = Field(default=10_000, ge=1)
    sql_timeout_s: float = Field(default=20.0, gt=0)
    sql_max_cell_kb: float = Field(default=64.0, gt=0, description="Largest value one result cell may hold.")
    sql_max_result_mb: float = Field(default=64.0, gt=0, description="Largest weight of one query result.")

    # Documents.
    collection: str = "shared"
    user: str = "local"
    max_file_mb: float = Field(default=100.0, gt=0)
    max_pages: int = Field(default=2000, ge=1)
    max_image_pixels: int = Field(default=80_000_000, ge=1)
    ocr_timeout_s: float = Field(default=60.0, gt=0)
    ocr_budget_s: float | None = Field(default=None, gt=0, description="OCR seconds one ingest call may use in "
                                       "all; chat and API uploads use 120 s when it is unset.")
    max_image_frames: int = Field(default=100, ge=1, description="Frames (pages) one image file may hold.")
    max_files_per_upload: int = Field(default=20, ge=1, description="Files one chat upload may hold.")
    max_unzipped_mb: float = Field(default=1024.0, gt=0, description="Declared unzipped size cap (DOCX/PPTX/XLSX).")
    max_zip_ratio: float = Field(default=200.0, gt=1, description="Declared compression ratio cap (zip bombs).")
    vector_store: str = Field(default="embedded", description="'embedded' or 'weaviate'.")
    weaviate_url: str | None = None

    # Language models (offline methods always remain as the last resort).
    offline_only: bool = False
    vllm_url: str | None = None
    vllm_model: str | None = None
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openrouter_api_key: str | None = None
    openrouter_model: str = "openai/gpt-4o-mini"
    anthropic_api_key: str | None = None
    anthropic_model: str = "claude-haiku-4-5"
    allow_cloud: bool = True
    anthropic_base_url: str | None = None
    openrouter_base_url: str | None = None
    vllm_api_key: str | None = None
    local_url: str | None = Field(
        default=None, description="A local OpenAI-compatible server that is not vLLM: llama.cpp or Ollama."
    )
    local_model: str | None = Field(default=None, description="The model name the local server serves.")
    local_api_key: str | None = None
    local_context_tokens: int = Field(
        default=2048, ge=256,
        description="The local server's context window (llama.cpp's and Ollama's default: 2048); prompts are cut to fit.",
    )
    vllm_engine_model: str | None = Field(
        default=None, description="Run this model with vLLM in-process (needs the gpu extra and a GPU)."
    )
    confidential: bool = Field(default=False, description="Treat all data as confidential: local models only.")
    llm_cloud_first_tasks: list[str] = Field(
        default_factory=lambda: ["complex"], description="Model tasks that may try the cloud before local models."
    )
    llm_first_token_timeout_s: float = Field(default=10.0, gt=0)
    llm_timeout_s: float = Field(default=60.0, gt=0)
    llm_queue_timeout_s: float = Field(default=5.0, ge=0)
    llm_retries: int = Field(default=1, ge=0, le=5, description="Retries per provider (the only retry layer).")
    llm_local_concurrency: int = Field(default=8, ge=1)
    llm_cloud_concurrency: int = Field(default=16, ge=1)
    llm_breaker_failures: int = Field(default=3, ge=1)
    llm_breaker_cooldown_s: float = Field(default=30.0, ge=0)
    llm_max_tokens: int = Field(default=1024, ge=16)
    llm_context_turns: int = Field(default=4, ge=0, description="Earlier turns sent to the model.")
    llm_sql_corrections: int = Field(default=2, ge=0, le=2, description="Self-corrections of model SQL.")
    model_prices: dict[str, list[float]] = Field(
        default_factory=dict, description="USD per 1M tokens (in, out) by model name, as JSON."
    )
    model_prices_file: Path | None = Field(
        default=None, description="YAML file of model prices: model name -> [USD in, USD out] per 1M tokens."
    )

    # Front ends.
    server_url: str | None = Field(default=None, description="Use a shared /api/ask backend.")
    api_token: str | None = Field(
        default=None, description="A token accepted for the user 'api' (and sent to a shared server)."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    # The chat server and its HTTP API (their variables keep their names: TRADEASSIST_REDIS_URL, ...).
    redis_url: str | None = Field(default=None, description="Rate limits shared through Redis.")
    api_rate_per_minute: float = Field(default=120.0, gt=0, description="Sustained API calls per user.")
    api_burst: int = Field(default=30, ge=1, description="API calls a user may make at once.")
    ask_workers: int = Field(default=4, ge=1, description="Threads that answer questions, for everyone.")
    ask_per_user: int = Field(default=2, ge=1, description="Questions one user may have running at once.")
    ingest_workers: int = Field(default=2, ge=1, description="Threads that ingest uploads (OCR), shared fairly: one per user at a time.")
    login_max_failures: int = Field(default=5, ge=1, description="Failed logins per account per window.")
    login_max_failures_per_address: int = Field(default=20, ge=1, description="Failed logins per address.")
    login_window_s: float = Field(default=300.0, gt=0, description="Window of the failed-login limits.")
    server_memory_mb: int | None = Field(
        default=None, ge=1024,
        description="Address space the chat server may use, in MB (default: three quarters of the machine's "
                    "memory): a runaway query then fails its answer instead of taking the machine's memory.")
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses of reverse proxies whose X-Forwarded-For is believed "
                    "(none by default: a client could otherwise name any address and dodge the limits).")
    ws_rate_per_minute: float = Field(default=30.0, gt=0, description="Chat messages per user per minute.")
    ws_burst: int = Field(default=10, ge=1, description="Chat messages a user may send at once.")
    upload_max_files: int = Field(default=10, ge=1, description="Files one chat or API upload request may hold.")
    upload_max_mb: float = Field(default=50.0, gt=0, description="Megabytes one chat or API upload request may hold.")
    chat_routes: str | None = Field(
        default=None, description="``module:function`` returning the routes (deployments that add or replace routes)."
    )

    @field_validator("home", mode="before")
    @classmethod
    def _expand_home(cls, value: object) -> object:
        return Path(str(value)).expanduser() if value not in (None, "") else _default_home()

    @field_validator("today", "db_url", "vllm_url", "server_url", "vllm_model", "openai_base_url", "anthropic_base_url", "openrouter_base_url", "vllm_engine_model", "local_url", "local_model", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value

    def current_date(self) -> dt.date:
        """Today's date, or the pinned ``TRADEASSIST_TODAY`` when set."""
        return self.today or dt.date.today()

    def demo_db_path(self) -> Path:
        """Where ``tradeassist demo`` writes the demo database by default."""
        return self.home / "demo.duckdb"

    def upload_max_bytes(self) -> int:
        """``upload_max_mb`` in bytes: what one chat or API upload request may hold."""
        return int(self.upload_max_mb * 1024 * 1024)

    def resolved_db_url(self) -> str:
        """The trading database to use: ``db_url`` if set, else the demo database."""
        return self.db_url or str(self.demo_db_path())

    def ensure_home(self) -> Path:
        """Create the home folder if needed, owner-only, and return it.

        It holds password hashes, chat history and private documents: whatever the umask, other
        local users may not enter it (an existing home of ours is tightened to mode 700 too).
        """
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = self.home.stat()
        if info.st_mode & 0o077 and info.st_uid == os.getuid():
            self.home.chmod(0o700)
        return self.home


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides (CLI flags) on top."""
    from pydantic import ValidationError

    from tradeassist.core.errors import ConfigError

    clean = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**clean)
    except ValidationError as exc:
        problems = "; ".join(
            f"TRADEASSIST_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"Invalid setting: {problems}") from None
