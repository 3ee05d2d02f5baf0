"""The token-exact policy gateway: an OpenAI chat server (what LiteLLM's `hosted_vllm` provider talks to).

Per request: session plan (continuous tokens) → engine.generate(token ids) → tool-call parsing → OpenAI
answer (JSON or SSE) → one `tokens.jsonl` line for the trial named by the `x-swerl-trial-id` header.

Sampling of a call: the trial's own (`POST /swerl/trials/{trial_id}/sampling`, set by the trial runner before
the trial starts — validation and `swerl eval` trials), else `GatewaySettings.temperature`/`top_p` (the
training values), else the client's. The values used are in the call's token record.

The CPU work of a request (chat-template rendering, tokenizing, decoding, the record line) runs in a small
thread pool, off the event loop, in at most two hops per call (the plan before generating; the decode, tool-call
parse, record line and commit after it), and the decode of a short reply of a call outside a trial stays on the
loop (cheaper than a thread hop); a trial's session lock orders its plans and commits (its generations still
overlap). Bodies are parsed and answers written by `swerl.serve.jsonio` (orjson where it gives exactly what `json`
would). `POST /swerl/trials/{trial_id}/end` drops a finished trial's session (`swerl.serve.gateway.client`).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel

from swerl.serve import jsonio
from swerl.serve.engines.base import Engine, EngineError
from swerl.serve.gateway.records import RecordWriter, TokenRecord
from swerl.serve.gateway.client import END_TRIAL_PATH, SAMPLING_PATH
from swerl.serve.gateway.render import ChatRenderer, canon
from swerl.serve.gateway.sessions import Plan, SessionStore, TrialSession
from swerl.serve.gateway.tool_parsers import Parsed, get_parser

TRIAL_HEADER = "x-swerl-trial-id"
CALL_HEADER = "x-swerl-call-id"
T = TypeVar("T")
INLINE_DECODE_MAX = 512
"""A reply of at most this many tokens of a call outside a trial is decoded and parsed on the event loop (tens of
microseconds, less than the thread hop it saves); a longer one in the thread pool."""


class GatewaySettings(BaseModel):
    served_model_name: str = "vllm_model"
    tool_call_parser: str = "hermes"
    max_model_len: int = 8192
    max_tokens_cap: int | None = None
    """Upper bound for one reply (Claude Code asks for 32000)."""
    temperature: float | None = None
    """When set, overrides the client's temperature (the policy's sampling settings belong to training); a trial's
    own sampling (`POST /swerl/trials/{id}/sampling`) overrides this."""
    top_p: float | None = None
    default_temperature: float = 1.0
    trials_root: Path | None = None
    max_sessions: int = 4096
    """Trial sessions held at once (each ≤ 8 branches of token ids); the least recently used is dropped first."""
    session_ttl_s: float = 7200.0
    """A trial session unused this long is dropped (a later call of that trial starts a new segment)."""
    render_threads: int = 4
    """Threads for rendering, tokenizing and decoding (the CPU work kept off the event loop)."""


class _EventStream(StreamingResponse):
    """An SSE answer that is complete before it is sent: one body chunk, the same bytes and headers as a
    `StreamingResponse` of its events, without the disconnect listener (a task group per call) that only
    matters while a stream is still being produced."""

    def __init__(self, text: str):
        async def body() -> AsyncIterator[str]:
            yield text

        super().__init__(body(), media_type="text/event-stream")

    async def __call__(self, scope, receive, send) -> None:
        try:
            await self.stream_response(send)
        except OSError:
            from starlette.requests import ClientDisconnect

            raise ClientDisconnect() from None
        if self.background is not None:
            await self.background()


def _error(status: int, message: str, kind: str = "BadRequestError") -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": kind, "param": None, "code": status}}, status_code=status
    )


def create_app(engine: Engine, tokenizer, settings: GatewaySettings) -> FastAPI:
    app = FastAPI(title="swerl gateway")
    renderer = ChatRenderer(tokenizer, settings.tool_call_parser)
    parse = get_parser(settings.tool_call_parser)
    store = SessionStore(settings.max_sessions, settings.session_ttl_s, on_drop=getattr(engine, "end_session", None))
    writer = RecordWriter(settings.trials_root)
    pool = ThreadPoolExecutor(max(1, settings.render_threads), thread_name_prefix="swerl-gateway-cpu")
    stop_ids = [t for t in {tokenizer.eos_token_id} if t is not None]
    app.state.sessions, app.state.writer, app.state.settings, app.state.engine = store, writer, settings, engine
    app.state.counters = {"requests": 0, "new_segments": 0, "tool_calls": 0, "errors": 0}

    async def off_loop(fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(pool, fn)

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok", "engine": engine.name, "sessions": len(store.sessions)}

    @app.get("/v1/models")
    async def models() -> dict:
        return {
            "object": "list",
            "data": [
                {
                    "id": settings.served_model_name,
                    "object": "model",
                    "owned_by": "swerl",
                    "max_model_len": settings.max_model_len,
                }
            ],
        }

    @app.post(END_TRIAL_PATH)
    async def end_trial(trial_id: str) -> dict:
        """The trial is over: drop its session (now, or once its requests in flight are done)."""
        return {"trial_id": trial_id, "dropped": store.end(trial_id), "sessions": len(store.sessions)}

    @app.post(SAMPLING_PATH)
    async def set_sampling(trial_id: str, request: Request):
        """This trial's calls sample with `{"temperature": t, "top_p": p}` (null = the gateway's default)."""
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _error(400, 'sampling body is not JSON: send {"temperature": 0.0, "top_p": 1.0}')
        t, p = (body or {}).get("temperature"), (body or {}).get("top_p")
        try:
            t = None if t is None else float(t)
            p = None if p is None else float(p)
        except (TypeError, ValueError):
            return _error(400, f"temperature/top_p must be numbers or null, got {t!r}/{p!r}")
        if (t is not None and t < 0) or (p is not None and not 0 < p <= 1):
            return _error(400, f"temperature must be >= 0 and top_p in (0, 1], got {t}/{p}")
        store.set_sampling(trial_id, t, p)
        return {"trial_id": trial_id, "temperature": t, "top_p": p}

    @app.post("/v1/chat/completions")
    async def chat(request: Request):
        try:
            body: dict[str, Any] = jsonio.loads(await request.body())
        except json.JSONDecodeError:
            return _error(400, "request body is not JSON")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return _error(400, "'messages' must be a non-empty list")
        trial = request.headers.get(TRIAL_HEADER) or None
        if trial is None:
            return await answer(request, body, messages, None, None)
        session = store.acquire(trial)
        try:
            return await answer(request, body, messages, trial, session)
        finally:
            store.release(trial, session)

    async def answer(request: Request, body: dict, messages: list, trial: str | None, session: TrialSession | None):
        tools = body.get("tools") or None
        if body.get("tool_choice") == "none":
            tools = None
        t0 = time.time()
        asked = body.get("max_completion_tokens") or body.get("max_tokens")

        def refused(n_prompt: int) -> bool:
            return settings.max_model_len - n_prompt <= 0 or (asked is not None and asked < 1)

        plan: Plan | None = None
        if session is None:
            prompt_ids = await off_loop(lambda: renderer.encode(renderer.render(messages, tools)))
        else:

            def plan_call() -> Plan:
                p = session.plan(renderer, messages, tools)
                if p.new_segment and refused(len(p.prompt_ids)):
                    session.segments -= 1  # refused below: the segment number stays free
                return p

            async with session.lock:
                plan = await off_loop(plan_call)
            prompt_ids = plan.prompt_ids
        room = settings.max_model_len - len(prompt_ids)
        if refused(len(prompt_ids)):
            return _error(
                400,
                (
                    f"This model's maximum context length is {settings.max_model_len} tokens. However, you requested "
                    f"{len(prompt_ids) + max(int(asked or 0), 1)} tokens ({len(prompt_ids)} in the messages, "
                    f"{max(int(asked or 0), 1)} in the completion). Please reduce the length of the messages or completion."
                ),
            )
        max_tokens = min(int(asked or room), room, settings.max_tokens_cap or room)
        temperature = next(
            t
            for t in (
                session.temperature if session is not None else None,
                settings.temperature,
                body.get("temperature"),
                settings.default_temperature,
            )
            if t is not None
        )
        top_p = next(
            p
            for p in (session.top_p if session is not None else None, settings.top_p, body.get("top_p"), 1.0)
            if p is not None
        )
        try:
            gen = await engine.generate(
                prompt_ids,
                max_tokens=max_tokens,
                temperature=float(temperature),
                top_p=float(top_p),
                stop_token_ids=stop_ids,
                session=trial,
            )
        except EngineError as exc:
            app.state.counters["errors"] += 1
            return _error(500, str(exc), "InternalServerError")
        text_ids = (
            gen.token_ids[:-1]
            if gen.finish_reason == "stop" and gen.token_ids and gen.token_ids[-1] in stop_ids
            else gen.token_ids
        )

        call_id = f"chatcmpl-{secrets.token_hex(12)}"

        def decoded() -> tuple[Parsed, str, dict[str, Any], str]:
            """The reply parsed (content, tool calls), its decoded stop token, the OpenAI message, its finish reason."""
            parsed = parse(tokenizer.decode(text_ids, skip_special_tokens=False), tools)
            stop_text = tokenizer.decode(gen.token_ids[-1:]) if gen.finish_reason == "stop" else ""
            message: dict[str, Any] = {"role": "assistant", "content": parsed.content or None}
            if parsed.tool_calls:
                message["tool_calls"] = [c.openai() for c in parsed.tool_calls]
            return parsed, stop_text, message, "tool_calls" if parsed.tool_calls else gen.finish_reason

        if plan is not None and session is not None and trial is not None:

            def finish_call(plan: Plan = plan, session: TrialSession = session, trial: str = trial):
                """Decode + parse, then the record line and the commit: one thread hop, under the trial's lock."""
                parsed, stop_text, message, finish = decoded()
                t_end = time.time()
                writer.write(
                    TokenRecord(
                        call_id=call_id,
                        trial_id=trial,
                        segment=plan.segment,
                        new_segment=plan.new_segment,
                        prompt_ids=prompt_ids,
                        response_ids=gen.token_ids,
                        response_logprobs=gen.logprobs,
                        finish_reason=finish,
                        num_tool_calls=len(parsed.tool_calls),
                        tool_parse=parsed.tool_parse,
                        prompt_tokens=len(prompt_ids),
                        completion_tokens=len(gen.token_ids),
                        t_start=t0,
                        t_end=t_end,
                        reused_prefix=plan.reused,
                        model=str(body.get("model", "")),
                        litellm_call_id=request.headers.get(CALL_HEADER),
                        parent_call_id=plan.branch.call_id if plan.branch is not None else None,
                        weight_version=gen.weight_version,
                        min_weight_version=gen.min_weight_version,
                        temperature=float(temperature),
                        top_p=float(top_p),
                    )
                )  # on disk before the branch is: a call continuing it finds its parent line
                session.commit(plan, canon(message), gen.token_ids, gen.finish_reason, stop_text, call_id)
                return parsed, message, finish

            async with session.lock:
                parsed, message, finish = await off_loop(finish_call)
            app.state.counters["new_segments"] += int(plan.new_segment)
        else:
            short = len(gen.token_ids) <= INLINE_DECODE_MAX
            parsed, _, message, finish = decoded() if short else await off_loop(decoded)
        usage = {
            "prompt_tokens": len(prompt_ids),
            "completion_tokens": len(gen.token_ids),
            "total_tokens": len(prompt_ids) + len(gen.token_ids),
        }
        c = app.state.counters
        c["requests"] += 1
        c["tool_calls"] += len(parsed.tool_calls)
        created = int(t0)
        model = str(body.get("model") or settings.served_model_name)
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return _EventStream(_sse(call_id, created, model, message, finish, usage if include_usage else None))
        choice: dict[str, Any] = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
        out: dict[str, Any] = {
            "id": call_id,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [choice],
            "usage": usage,
        }
        if body.get("return_token_ids"):
            out["prompt_token_ids"], choice["token_ids"] = prompt_ids, gen.token_ids
        return Response(jsonio.dumps(out), media_type="application/json")

    return app


def _sse(call_id: str, created: int, model: str, message: dict, finish: str, usage: dict | None) -> str:
    """The whole event stream of an answer (each event `data: {json}` + a blank line, then `data: [DONE]`)."""

    def chunk(delta: dict, finish_reason: str | None = None, **extra) -> str:
        obj = {
            "id": call_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}],
            **extra,
        }
        return f"data: {json.dumps(obj)}\n\n"

    out = [chunk({"role": "assistant", "content": ""})]
    if message.get("content"):
        out.append(chunk({"content": message["content"]}))
    for i, call in enumerate(message.get("tool_calls") or []):
        out.append(chunk({"tool_calls": [{"index": i, **call}]}))
    out.append(chunk({}, finish))
    if usage is not None:
        obj = {
            "id": call_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [],
            "usage": usage,
        }
        out.append(f"data: {json.dumps(obj)}\n\n")
    out.append("data: [DONE]\n\n")
    return "".join(out)
