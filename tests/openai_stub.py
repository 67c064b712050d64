"""A local OpenAI-compatible chat endpoint for tests: ``/v1/chat/completions``, streamed or not.

Replies are scripted (a list consumed in order, the last one repeating) or computed from the
request by a function; every request body is recorded. Streamed replies are sent as SSE
chunks of a few characters with an optional pause between them, so a client that streams
gets its text in pieces, while the server is still writing.

    with OpenAIStub(replies=["Hello [1]."]) as stub:
        model = OpenAIChatModel("stub-model", base_url=stub.base_url)
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = str | Callable[[dict[str, Any]], str]


class OpenAIStub:
    def __init__(
        self,
        replies: list[Reply] | None = None,
        *,
        chunk_chars: int = 4,
        chunk_delay: float = 0.0,
        response_delay: float = 0.0,
        fail_status: int | None = None,
        usage: bool = True,
    ) -> None:
        self.replies: list[Reply] = list(replies or ["OK"])
        self.chunk_chars = chunk_chars
        self.chunk_delay = chunk_delay
        self.response_delay = response_delay
        self.fail_status = fail_status
        self.usage = usage
        self.requests: list[dict[str, Any]] = []
        self.chunk_sent_at: list[float] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> OpenAIStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> OpenAIStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def next_reply(self, body: dict[str, Any]) -> str:
        with self._lock:
            self.requests.append(body)
            reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        return reply(body) if callable(reply) else reply


def _usage(body: dict[str, Any], text: str) -> dict[str, int]:
    prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
    completion = len(text.split())
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _handler_for(stub: OpenAIStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            if not self.path.rstrip("/").endswith("/chat/completions"):
                return self._json(404, {"error": {"message": f"no route {self.path}"}})
            text = stub.next_reply(body)
            if stub.response_delay:
                time.sleep(stub.response_delay)
            if stub.fail_status:
                return self._json(stub.fail_status, {"error": {"message": "scripted failure", "type": "server_error"}})
            if body.get("stream"):
                return self._stream(body, text)
            return self._json(200, {
                "id": "chatcmpl-stub", "object": "chat.completion", "created": int(time.time()),
                "model": body.get("model", "stub"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "finish_reason": "stop"}],
                "usage": _usage(body, text),
            })

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, body: dict[str, Any], text: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            base = {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": int(time.time()),
                    "model": body.get("model", "stub")}

            def send(choices: list[dict[str, Any]], **extra: Any) -> None:
                self.wfile.write(f"data: {json.dumps({**base, 'choices': choices, **extra})}\n\n".encode())
                self.wfile.flush()

            send([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
            for start in range(0, len(text), stub.chunk_chars):
                if stub.chunk_delay:
                    time.sleep(stub.chunk_delay)
                send([{"index": 0, "delta": {"content": text[start : start + stub.chunk_chars]},
                       "finish_reason": None}])
                stub.chunk_sent_at.append(time.monotonic())
            send([{"index": 0, "delta": {}, "finish_reason": "stop"}])
            if stub.usage and (body.get("stream_options") or {}).get("include_usage"):
                send([], usage=_usage(body, text))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

    return Handler
