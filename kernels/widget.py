"""ipywidgets front end: ``ChatPanel()`` (input, history, rich answers, upload, clear) and ``UploadBox``."""

from __future__ import annotations

import html
from typing import Any

from tradeassist.core.errors import TradeAssistError
from tradeassist.kernels.display import NotebookAnswer, output_items
from tradeassist.kernels.session import NotebookSession

#: File types the upload box offers (the ingest pipeline sniffs the real type from content).
UPLOAD_ACCEPT = ".pdf,.docx,.html,.htm,.txt,.md,.png,.jpg,.jpeg,.tif,.tiff,.pptx,.xlsx"
ROUTE_CHOICES = (("auto", ""), ("sql", "sql"), ("docs", "docs"), ("signals", "signals"))


def _report_line(name: str, result: Any) -> str:
    """One line saying what happened to an uploaded file (the pipeline's FileResult)."""
    if result.status == "failed":
        return f"{name}: not ingested: {result.reason}"
    if result.status == "skipped":
        return f"{name}: already ingested, unchanged"
    return f"{name}: ingested ({result.pages} pages, {result.chunks} chunks)"


class UploadBox:
    """A FileUpload widget whose files go into the asking user's documents."""

    def __init__(self, session: NotebookSession):
        import ipywidgets as widgets

        self.session = session
        self.upload = widgets.FileUpload(accept=UPLOAD_ACCEPT, multiple=True, description="Upload")
        self.status = widgets.HTML()
        self.widget = widgets.HBox([self.upload, self.status])
        self.upload.observe(self._on_upload, names="value")

    def _on_upload(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.ingest_files(change["new"])
            self.upload.value = ()  # ready for the next file; the same name may come again

    def ingest_files(self, files: Any) -> list[str]:
        """Ingest uploaded files (FileUpload's value items); returns one status line per file."""
        lines = []
        for item in files:
            name = item["name"]
            try:
                result = self.session.ingest_upload(name, bytes(item["content"]))
                lines.append(_report_line(name, result))
            except TradeAssistError as exc:  # a bad file fails alone; the others still go in
                lines.append(f"{name}: not ingested: {exc}")
        self.status.value = "<br>".join(html.escape(line) for line in lines)
        return lines


class ChatPanel:
    """A chat inside the notebook: type a question, see rich answers, upload files, clear."""

    def __init__(self, session: NotebookSession | None = None):
        import ipywidgets as widgets

        if session is None:
            from IPython import get_ipython

            from tradeassist.kernels.shell_sessions import session_for

            session = session_for(get_ipython())
        self.session = session
        self.history: list[NotebookAnswer] = []
        self.input = widgets.Text(
            placeholder="Ask about prices, trades, your documents or signals...",
            continuous_update=False,
            layout=widgets.Layout(flex="1 1 auto", width="auto"),
        )
        self.route = widgets.Dropdown(options=ROUTE_CHOICES, value="", layout=widgets.Layout(width="8em"))
        self.send_button = widgets.Button(description="Ask", button_style="primary", icon="paper-plane")
        self.clear_button = widgets.Button(description="Clear", icon="trash")
        self.uploads = UploadBox(session)
        self.output = widgets.Output(layout=widgets.Layout(max_height="640px", overflow="auto"))
        self.widget = widgets.VBox(
            [
                self.output,
                widgets.HBox([self.input, self.route, self.send_button]),
                widgets.HBox([self.uploads.widget, self.clear_button]),
            ]
        )
        # Enter (or leaving the box) submits, because continuous_update is off.
        self.input.observe(self._on_submit, names="value")
        self.send_button.on_click(lambda _: self.send())
        self.clear_button.on_click(lambda _: self.clear())

    def _on_submit(self, change: dict[str, Any]) -> None:
        if change["new"].strip():
            self.send()

    def send(self) -> NotebookAnswer | None:
        """Ask what is typed in the input box, then empty the box."""
        text = self.input.value.strip()
        if not text:
            return None
        self.input.unobserve(self._on_submit, names="value")
        self.input.value = ""
        self.input.observe(self._on_submit, names="value")
        return self.ask(text)

    def ask(self, text: str) -> NotebookAnswer:
        """Ask a question and add it, with its answer, to the panel's history."""
        self.send_button.disabled = True
        try:
            answer = self.session.ask(text, route=self.route.value or None)
        finally:
            self.send_button.disabled = False
        result = NotebookAnswer(answer, text)
        self.history.append(result)
        question_html = f"<div class='tradeassist-question'><b>You:</b> {html.escape(text)}</div>"
        self.output.outputs += (
            {"output_type": "display_data", "data": {"text/html": question_html, "text/plain": f"You: {text}"},
             "metadata": {}},
            *output_items(answer),
        )
        return result

    def clear(self) -> None:
        """Empty the history and start a new conversation."""
        self.history.clear()
        self.session.reset()
        self.output.outputs = ()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
