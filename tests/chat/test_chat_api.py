"""The HTTP API in process: token auth, the JSON answer, follow-up context, uploads, rate limits, OpenAPI."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tradeassist.chat.api import create_api
from tradeassist.chat.ratelimit import TokenBucketLimiter
from tradeassist.chat.safety import UploadLimits
from tradeassist.chat.service import BackendPool
from tradeassist.chat.users import UserStore


@pytest.fixture(scope="module")
def pool(demo_duckdb, tmp_path_factory):
    """The product's backend (default routes) over the demo database, shared by this module."""
    from tradeassist.core.settings import Settings

    settings = Settings(home=tmp_path_factory.mktemp("api_home"), db_url=str(demo_duckdb),
                        today="2026-11-20", offline_only=True)
    return BackendPool(settings)


@pytest.fixture
def api(pool):
    settings = pool.settings
    users = UserStore(settings, bcrypt_rounds=4)
    for name in ("alice", "bob"):
        if name not in {u.name for u in users.list()}:
            users.add(name, "long enough pw")
    app = create_api(
        pool, users, TokenBucketLimiter(rate_per_minute=1, burst=5),
        service_token="service-token-123", upload_limits=UploadLimits(max_files=2, max_request_bytes=4096),
    )
    client = TestClient(app)
    client.tokens = {"alice": users.new_token("alice"), "bob": users.new_token("bob")}
    return client


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_calls_without_a_valid_token_are_refused(api):
    assert api.get("/health").json()["status"] == "ok"
    for headers in ({}, auth("not-a-token"), {"Authorization": "Basic YWxpY2U6eA=="}):
        response = api.post("/ask", json={"question": "latest close of AAPL"}, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["type"] == "Unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"
    assert api.post("/ingest", files={"files": ("a.txt", b"hello")}).status_code == 401


def test_ask_returns_the_json_form(api):
    question = "What was the daily close of AAPL over the last month?"
    response = api.post("/ask", json={"question": question}, headers=auth(api.tokens["alice"]))
    assert response.status_code == 200
    body = response.json()
    assert body["route"] == "sql" and body["sql"].upper().startswith("SELECT") and "AAPL" in body["sql"]
    assert "close" in body["columns"] and len(body["rows"]) >= 15
    assert body["chart"]["data"] and body["error"] is None
    followup = api.post(
        "/ask",
        json={"question": "and for MSFT?", "context": [{"question": question, "answer": body}]},
        headers=auth(api.tokens["alice"]),
    ).json()
    # The follow-up reuses the first question's plan: the same closes, for MSFT.
    assert "MSFT" in followup["sql"] and "AAPL" not in followup["sql"]
    assert followup["columns"] == body["columns"] and len(followup["rows"]) == len(body["rows"])


def test_bad_questions_get_clear_errors(api):
    empty = api.post("/ask", json={"question": "  "}, headers=auth(api.tokens["alice"]))
    assert empty.status_code == 400 and empty.json()["error"]["type"] == "BadInputError"
    unknown = api.post("/ask", json={"question": "x", "route": "nope"}, headers=auth(api.tokens["alice"]))
    assert unknown.status_code == 422  # refused by the request schema, with the allowed values
    bad_context = api.post(
        "/ask", json={"question": "and for MSFT?", "context": [{"question": "y", "answer": {"chart": 5}}]},
        headers=auth(api.tokens["alice"]))
    assert bad_context.status_code == 400 and bad_context.json()["error"]["message"].startswith("Bad context")
    too_long = api.post("/ask", json={"question": "x" * 5000}, headers=auth(api.tokens["alice"]))
    assert too_long.status_code == 400 and "limit" in too_long.json()["error"]["message"]


def test_users_cannot_act_as_others_but_the_service_token_can(api, monkeypatch):
    seen = []
    original = BackendPool.ask_async

    async def spy(self, question, model="auto"):
        seen.append(question.user)
        return await original(self, question, model)

    monkeypatch.setattr(BackendPool, "ask_async", spy)
    api.post("/ask", json={"question": "latest close of AAPL", "user": "bob"}, headers=auth(api.tokens["alice"]))
    api.post("/ask", json={"question": "latest close of AAPL", "user": "bob"}, headers=auth("service-token-123"))
    api.post("/ask", json={"question": "latest close of AAPL"}, headers=auth("service-token-123"))
    assert seen == ["alice", "bob", "api"]


def test_rate_limit_is_per_user(api):
    codes = [api.post("/ask", json={"question": "latest close of AAPL"}, headers=auth(api.tokens["alice"])).status_code
             for _ in range(6)]
    assert codes[:5] == [200] * 5 and codes[5] == 429
    limited = api.post("/ask", json={"question": "latest close of AAPL"}, headers=auth(api.tokens["alice"]))
    assert limited.json()["error"]["type"] == "RateLimited" and int(limited.headers["retry-after"]) >= 1
    assert api.post("/ask", json={"question": "latest close of AAPL"}, headers=auth(api.tokens["bob"])).status_code == 200


def test_ingest_refuses_disguised_oversized_and_too_many_files(api):
    headers = auth(api.tokens["alice"])
    disguised = api.post("/ingest", files={"files": ("report.pdf", b"MZ\x90\x00" + b"\0" * 100)}, headers=headers)
    assert disguised.status_code == 400 and "cannot be ingested" in disguised.json()["error"]["message"]
    big = api.post("/ingest", files={"files": ("big.txt", b"a" * 5000)}, headers=headers)
    assert big.status_code == 400 and "one upload may hold 4.0 KB" in big.json()["error"]["message"]
    many = [("files", (f"{i}.txt", b"hello")) for i in range(3)]
    assert api.post("/ingest", files=many, headers=headers).status_code == 400


def test_openapi_document(api):
    spec = api.get("/openapi.json").json()
    assert {"/ask", "/ingest", "/health"} <= set(spec["paths"])
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
