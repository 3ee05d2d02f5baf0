"""Shared fixtures: task rows, a trials root, and a tiny stand-in OpenAI chat server (scripted replies).

The stand-in replaces only the model (an engine needs a real policy; the real proxy/gateway chain is
exercised in test_agent_proxy.py when swerl/serve provides it)."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from swerl.rollout.tasks import load_index


@pytest.fixture(scope="session")
def easy_rows():
    return load_index("tasks/easy")


class ScriptedOpenAI:
    """POST /trial/<id>/v1/chat/completions → replies[i % len] per trial; records requests."""

    def __init__(self, replies: list[str]):
        self.replies = replies
        self.replies_by_trial: dict[str, list[str]] = {}
        self.requests: list[dict] = []
        self.calls: dict[str, int] = {}
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                trial = self.path.split("/trial/")[1].split("/")[0] if "/trial/" in self.path else ""
                outer.requests.append(
                    {"path": self.path, "trial": trial, "body": body, "auth": self.headers.get("Authorization")}
                )
                k = outer.calls.get(trial, 0)
                outer.calls[trial] = k + 1
                script = outer.replies_by_trial.get(trial, outer.replies)
                text = script[min(k, len(script) - 1)]
                data = json.dumps(
                    {
                        "id": "x",
                        "object": "chat.completion",
                        "model": body["model"],
                        "choices": [
                            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
                        ],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 5},
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self):
        self.server.shutdown()


def run_one_trial(row, replies: list[str], settings, *, agent: str | None = None, **endpoint):
    """One real trial of task `row` whose model is a ScriptedOpenAI answering `replies` in order (closed
    afterwards) → (TrialOutcome, the server, for its recorded requests). `endpoint`: AgentEndpoint fields
    (api_key defaults to "k")."""
    import asyncio

    from swerl.config.paths import make_trial_id
    from swerl.rollout.agents.registry import AgentEndpoint
    from swerl.rollout.runner import TrialJob, run_trials

    srv = ScriptedOpenAI(replies)
    job = TrialJob(
        trial_id=make_trial_id(1, row.instance_id, 0),
        task=row,
        group=row.instance_id,
        **({"agent_name": agent} if agent else {}),
    )
    try:
        (out,) = asyncio.run(
            run_trials([job], settings, AgentEndpoint(host_url=srv.url, **({"api_key": "k"} | endpoint)))
        )
    finally:
        srv.close()
    return out, srv
