"""A small Python client of the chat's own websocket protocol (Chainlit over Socket.IO).

It logs in like the browser (``POST /login`` sets the session cookie), opens the Socket.IO
connection at ``/ws/socket.io``, sends user messages and collects the assistant's messages until
the server signals the end of the task. Load tests and scripts use it to drive the real chat.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Reply:
    """What the chat sent back for one message: the assistant messages, steps and the time taken."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    elements: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def text(self) -> str:
        """The assistant messages' text, joined."""
        return "\n".join(str(m.get("output", "")) for m in self.messages)


async def login_cookie(base_url: str, user: str, password: str) -> str:
    """Log in with a password; returns the ``Cookie`` header value the session uses."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        response = await client.post("/login", data={"username": user, "password": password})
        if response.status_code != 200:
            raise PermissionError(f"login failed ({response.status_code}): {response.text[:200]}")
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


class ChatClient:
    """One browser-like chat session over Socket.IO."""

    def __init__(self, base_url: str, cookie: str):
        import socketio

        self.base_url = base_url
        self.cookie = cookie
        self.session_id = str(uuid.uuid4())
        self.thread_id = str(uuid.uuid4())
        #: The id of the last message sent (what feedback names).
        self.last_message_id: str | None = None
        self.sio = socketio.AsyncClient(reconnection=False)
        self._reply: Reply | None = None
        self._done = asyncio.Event()
        self._busy = False
        self.sio.on("new_message", self._on_step)
        self.sio.on("update_message", self._on_step)
        self.sio.on("element", self._on_element)
        self.sio.on("task_start", self._on_task_start)
        self.sio.on("task_end", self._on_task_end)

    async def _on_step(self, step: dict[str, Any]) -> None:
        if self._reply is None:
            return
        if step.get("type") == "assistant_message":
            self._reply.messages = [m for m in self._reply.messages if m.get("id") != step.get("id")]
            self._reply.messages.append(step)
        elif step.get("type") != "user_message":
            self._reply.steps.append(step)

    async def _on_element(self, element: dict[str, Any]) -> None:
        if self._reply is not None:
            self._reply.elements.append(element)

    async def _on_task_start(self, *_: Any) -> None:
        self._busy = True

    async def _on_task_end(self, *_: Any) -> None:
        self._busy = False
        # An answer always holds an assistant message (the answer or an error message).
        if self._reply is None or self._reply.messages:
            self._done.set()

    async def connect(self, thread_id: str | None = None) -> None:
        """Open the websocket session (the server runs its chat-start hook, or its resume hook for ``thread_id``)."""
        if thread_id is not None:
            self.thread_id = thread_id
        await self.sio.connect(
            self.base_url,
            socketio_path="/ws/socket.io",
            headers={"Cookie": self.cookie},
            auth={"clientType": "webapp", "sessionId": self.session_id, "threadId": thread_id,
                  "userEnv": "{}", "chatProfile": None},
            transports=["websocket"],
            wait_timeout=30,
        )
        # The server runs its chat-start hook as tasks of their own (task_start/task_end pairs);
        # let them finish so that none is mistaken for the end of the first answer.
        await self.sio.emit("connection_successful")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            self._done.clear()
            try:
                await asyncio.wait_for(self._done.wait(), 0.5)
            except asyncio.TimeoutError:
                if not self._busy:
                    break

    async def ask(self, text: str, timeout: float = 60.0, command: str | None = None,
                  metadata: dict[str, Any] | None = None) -> Reply:
        """Send one message (or a command such as "Export") and wait until the server has answered it.

        ``metadata`` is sent as the message's own metadata, as a browser may (the server must not trust it).
        """
        self._reply = Reply()
        self._done.clear()
        started = time.perf_counter()
        message = {
            "threadId": self.thread_id,
            "id": str(uuid.uuid4()),
            "name": "User",
            "type": "user_message",
            "output": text,
            "createdAt": dt.datetime.now(dt.UTC).isoformat(),
        }
        if command:
            message["command"] = command
        if metadata is not None:
            message["metadata"] = metadata
        self.last_message_id = message["id"]
        await self.sio.emit("client_message", {"message": message, "fileReferences": []})
        await asyncio.wait_for(self._done.wait(), timeout)
        reply, self._reply = self._reply, None
        reply.seconds = time.perf_counter() - started
        return reply

    async def close(self) -> None:
        """Close the websocket."""
        await self.sio.disconnect()
