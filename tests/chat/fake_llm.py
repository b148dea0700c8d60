"""A scriptable OpenAI-compatible chat server on 127.0.0.1, so litellm runs for real in tests.

A test queues replies and then reads back the requests litellm sent:

    fake_llm.reply({"sql": "SELECT 1", "explanation": "One."})   # JSON-encoded content
    fake_llm.reply("not json")                                    # raw content
    fake_llm.fail(500)                                            # an HTTP error
    fake_llm.reply({...}, delay=2.0)                              # a slow answer
    fake_llm.garbage(b"<html>oops</html>")                        # a body that is not JSON
    fake_llm.refuse()                                             # a content-filter stop
    fake_llm.respond = lambda request: {...}                      # a scripted model: called
                                                                  # when the queue is empty
    ...
    fake_llm.requests[0]["messages"]

The `fake_llm` fixture also points settings.LLM_MODEL / LLM_API_BASE at the server.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Scripted:
    content: str = ""
    status: int = 200
    delay: float = 0.0
    raw: bytes | None = None  # sent as is (HTTP 200, text/html): not JSON
    finish_reason: str = "stop"


class FakeLLM:
    def __init__(self) -> None:
        self.queue: deque[Scripted] = deque()
        self.requests: list[dict] = []
        self.embedding_requests: list[dict] = []  # /v1/embeddings, kept apart from chat ones
        # A scripted model: given the request body, the reply (dict or str) when nothing is
        # queued. Benchmarks and end-to-end tests answer every question this way.
        self.respond = None
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.rstrip("/").endswith("/embeddings"):
                    request = json.loads(body or b"{}")
                    with fake._lock:
                        fake.embedding_requests.append(request)
                    self._send(200, embeddings(request.get("input")))
                    return
                request = json.loads(body or b"{}")
                with fake._lock:
                    fake.requests.append(request)
                    scripted = fake.queue.popleft() if fake.queue else None
                if scripted is None and fake.respond is not None:
                    content = fake.respond(request)
                    text = content if isinstance(content, str) else json.dumps(content)
                    scripted = Scripted(content=text)
                scripted = scripted or Scripted(status=599)
                if scripted.delay:
                    time.sleep(scripted.delay)
                if scripted.raw is not None:
                    self._send_raw(scripted.raw)
                    return
                if scripted.status != 200:
                    payload = {"error": {"message": "scripted failure", "type": "server_error"}}
                    if scripted.status == 599:
                        payload["error"]["message"] = "no scripted reply left"
                    self._send(500 if scripted.status == 599 else scripted.status, payload)
                    return
                self._send(200, completion(scripted.content, scripted.finish_reason))

            def _send_raw(self, data: bytes) -> None:
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (timeout tests)

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True  # a sleeping handler must not block shutdown
        self.server.block_on_close = False
        self.port = self.server.server_address[1]
        self.api_base = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reply(self, content: dict | str, *, delay: float = 0.0) -> None:
        text = content if isinstance(content, str) else json.dumps(content)
        self.queue.append(Scripted(content=text, delay=delay))

    def fail(self, status: int = 500) -> None:
        self.queue.append(Scripted(status=status))

    def garbage(self, data: bytes = b"<html><body>Bad gateway</body></html>") -> None:
        self.queue.append(Scripted(raw=data))

    def refuse(self) -> None:
        """An empty reply stopped by the provider's content filter."""
        self.queue.append(Scripted(content="", finish_reason="content_filter"))

    def prompt(self, index: int = 0) -> str:
        """All message texts of one request, joined, for assertions on what the model saw."""
        return "\n".join(m.get("content") or "" for m in self.requests[index]["messages"])


EMBEDDING_DIMENSIONS = 64


def fake_vector(text: str) -> list[float]:
    """Deterministic bag-of-words vector: texts sharing words point the same way."""
    import hashlib
    import re

    vector = [0.0] * EMBEDDING_DIMENSIONS
    for word in re.findall(r"[a-z0-9]+", str(text).lower()):
        digest = hashlib.sha256(word.encode()).digest()
        vector[digest[0] % EMBEDDING_DIMENSIONS] += 1.0
    return vector


def embeddings(inputs) -> dict:
    texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
    return {
        "object": "list",
        "model": "fake-embedding",
        "data": [
            {"object": "embedding", "index": i, "embedding": fake_vector(t)}
            for i, t in enumerate(texts)
        ],
        "usage": {"prompt_tokens": len(texts), "total_tokens": len(texts)},
    }


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# A host name that cannot resolve (RFC 6761 reserves .invalid): DNS fails locally, fast.
UNRESOLVABLE_API_BASE = "http://llm.datachat.invalid/v1"


def completion(content: str, finish_reason: str = "stop") -> dict:
    prompt_tokens, completion_tokens = 100, max(1, len(content) // 4)
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "fake-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


@pytest.fixture(name="fake_llm")
def fake_llm_fixture(settings):
    server = FakeLLM().start()
    settings.LLM_MODEL = "openai/fake-model"
    settings.LLM_API_BASE = server.api_base
    settings.LLM_API_KEY = "sk-fake"
    settings.LLM_TIMEOUT = 5.0
    settings.LLM_MAX_CORRECTIONS = 2
    yield server
    server.stop()
