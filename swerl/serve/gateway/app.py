"""The token-exact policy gateway: an OpenAI chat server (what LiteLLM's `hosted_vllm` provider talks to).

Per request: session plan (continuous tokens) → engine.generate(token ids) → tool-call parsing → OpenAI
answer (JSON or SSE) → one `tokens.jsonl` line for the trial named by the `x-swerl-trial-id` header.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel

from swerl.serve.engines.base import Engine, EngineError
from swerl.serve.gateway.records import RecordWriter, TokenRecord
from swerl.serve.gateway.render import ChatRenderer, canon
from swerl.serve.gateway.sessions import SessionStore
from swerl.serve.gateway.tool_parsers import get_parser

TRIAL_HEADER = "x-swerl-trial-id"
CALL_HEADER = "x-swerl-call-id"


class GatewaySettings(BaseModel):
    served_model_name: str = "vllm_model"
    tool_call_parser: str = "hermes"
    max_model_len: int = 8192
    max_tokens_cap: int | None = None
    """Upper bound for one reply (Claude Code asks for 32000)."""
    temperature: float | None = None
    """When set, overrides the client's temperature (the policy's sampling settings belong to training)."""
    top_p: float | None = None
    default_temperature: float = 1.0
    trials_root: Path | None = None


def _error(status: int, message: str, kind: str = "BadRequestError") -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": kind, "param": None, "code": status}}, status_code=status
    )


def create_app(engine: Engine, tokenizer, settings: GatewaySettings) -> FastAPI:
    app = FastAPI(title="swerl gateway")
    renderer = ChatRenderer(tokenizer, settings.tool_call_parser)
    parse = get_parser(settings.tool_call_parser)
    store = SessionStore()
    writer = RecordWriter(settings.trials_root)
    stop_ids = [t for t in {tokenizer.eos_token_id} if t is not None]
    app.state.sessions, app.state.writer, app.state.settings, app.state.engine = store, writer, settings, engine
    app.state.counters = {"requests": 0, "new_segments": 0, "tool_calls": 0, "errors": 0}

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok", "engine": engine.name}

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

    @app.post("/v1/chat/completions")
    async def chat(request: Request):
        try:
            body: dict[str, Any] = await request.json()
        except json.JSONDecodeError:
            return _error(400, "request body is not JSON")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return _error(400, "'messages' must be a non-empty list")
        tools = body.get("tools") or None
        if body.get("tool_choice") == "none":
            tools = None
        trial = request.headers.get(TRIAL_HEADER) or None
        t0 = time.time()
        session = store.get(trial) if trial else None
        plan = session.plan(renderer, messages, tools) if session else None
        prompt_ids = plan.prompt_ids if plan else renderer.encode(renderer.render(messages, tools))
        room = settings.max_model_len - len(prompt_ids)
        asked = body.get("max_completion_tokens") or body.get("max_tokens")
        if room <= 0 or (asked is not None and asked < 1):
            if plan and session and plan.new_segment:
                session.segments -= 1
            return _error(
                400,
                (
                    f"This model's maximum context length is {settings.max_model_len} tokens. However, you requested "
                    f"{len(prompt_ids) + max(int(asked or 0), 1)} tokens ({len(prompt_ids)} in the messages, "
                    f"{max(int(asked or 0), 1)} in the completion). Please reduce the length of the messages or completion."
                ),
            )
        max_tokens = min(int(asked or room), room, settings.max_tokens_cap or room)
        temperature = (
            settings.temperature
            if settings.temperature is not None
            else body.get("temperature", settings.default_temperature)
        )
        top_p = settings.top_p if settings.top_p is not None else body.get("top_p", 1.0)
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
        parsed = parse(tokenizer.decode(text_ids, skip_special_tokens=False))
        finish = "tool_calls" if parsed.tool_calls else gen.finish_reason
        call_id = f"chatcmpl-{secrets.token_hex(12)}"
        message: dict[str, Any] = {"role": "assistant", "content": parsed.content or None}
        if parsed.tool_calls:
            message["tool_calls"] = [c.openai() for c in parsed.tool_calls]
        usage = {
            "prompt_tokens": len(prompt_ids),
            "completion_tokens": len(gen.token_ids),
            "total_tokens": len(prompt_ids) + len(gen.token_ids),
        }
        c = app.state.counters
        c["requests"] += 1
        c["tool_calls"] += len(parsed.tool_calls)
        if plan is not None and session is not None and trial is not None:
            c["new_segments"] += int(plan.new_segment)
            stop_text = tokenizer.decode(gen.token_ids[-1:]) if gen.finish_reason == "stop" else ""
            session.commit(plan, canon(message), gen.token_ids, gen.finish_reason, stop_text, call_id)
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
                    prompt_tokens=len(prompt_ids),
                    completion_tokens=len(gen.token_ids),
                    t_start=t0,
                    t_end=time.time(),
                    reused_prefix=plan.reused,
                    model=str(body.get("model", "")),
                    litellm_call_id=request.headers.get(CALL_HEADER),
                    parent_call_id=plan.branch.call_id if plan.branch is not None else None,
                )
            )
        created = int(t0)
        model = str(body.get("model") or settings.served_model_name)
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return StreamingResponse(
                _sse(call_id, created, model, message, finish, usage if include_usage else None),
                media_type="text/event-stream",
            )
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
        return out

    return app


async def _sse(
    call_id: str, created: int, model: str, message: dict, finish: str, usage: dict | None
) -> AsyncIterator[str]:
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

    yield chunk({"role": "assistant", "content": ""})
    if message.get("content"):
        yield chunk({"content": message["content"]})
    for i, call in enumerate(message.get("tool_calls") or []):
        yield chunk({"tool_calls": [{"index": i, **call}]})
    yield chunk({}, finish)
    if usage is not None:
        obj = {
            "id": call_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [],
            "usage": usage,
        }
        yield f"data: {json.dumps(obj)}\n\n"
    yield "data: [DONE]\n\n"
