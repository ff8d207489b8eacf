"""What a person does on the chat's page in Chromium: log in, ask (shared by the page tests)."""

from __future__ import annotations


def log_in(page, server) -> None:
    """Log in through the login form as the server's test user, and wait for the chat input."""
    page.goto(server.url + "/login")
    page.fill("#email", server.user)
    page.fill("#password", server.password)
    page.click("button[type=submit]")
    page.wait_for_selector("#chat-input", timeout=30_000)
    page.wait_for_timeout(1000)  # the websocket connects just after the input shows


def ask(page, text: str) -> None:
    """Type a question in the chat input and send it."""
    page.fill("#chat-input", text)
    page.keyboard.press("Enter")
