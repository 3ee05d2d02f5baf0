"""End a trial's gateway session once the trial is over (frees its token ids; the gateway also drops idle
sessions by itself — `GatewaySettings.max_sessions`, `session_ttl_s` — so a missed call costs memory only
for a while); and set a trial's sampling before it starts (`POST /swerl/trials/{trial_id}/sampling`
`{"temperature": …, "top_p": …}`: every call of that trial samples with it instead of the gateway's training
default — how a validation or eval trial gets greedy decoding).

`base_url` is the gateway's root or the LiteLLM proxy's root (`AgentEndpoint.host_url`; the proxy passes
`POST /swerl/trials/{trial_id}/end` on to its gateway and wants its key, `api_key`). Never raises: an
unreachable server, a timeout or an error answer → False.
"""

from __future__ import annotations

import httpx

END_TRIAL_PATH = "/swerl/trials/{trial_id}/end"
SAMPLING_PATH = "/swerl/trials/{trial_id}/sampling"


def _url(base_url: str, trial_id: str, path: str = END_TRIAL_PATH) -> str:
    base = base_url.rstrip("/")
    base = base[: -len("/v1")] if base.endswith("/v1") else base
    return base + path.format(trial_id=trial_id)


def _headers(api_key: str | None) -> dict:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def _dropped(r: httpx.Response) -> bool:
    try:
        return r.status_code == 200 and bool(r.json().get("dropped"))
    except (ValueError, AttributeError):
        return False


def end_trial(base_url: str, trial_id: str, *, api_key: str | None = None, timeout: float = 2.0) -> bool:
    """True when the gateway held a session for the trial and dropped it."""
    try:
        return _dropped(httpx.post(_url(base_url, trial_id), headers=_headers(api_key), timeout=timeout))
    except (httpx.HTTPError, OSError):
        return False


async def aend_trial(base_url: str, trial_id: str, *, api_key: str | None = None, timeout: float = 2.0) -> bool:
    """`end_trial` for async callers."""
    try:
        async with httpx.AsyncClient(timeout=timeout) as c:
            return _dropped(await c.post(_url(base_url, trial_id), headers=_headers(api_key)))
    except (httpx.HTTPError, OSError):
        return False


class SamplingNotSet(RuntimeError):
    """The gateway did not take a trial's sampling (unreachable, refused): the trial must not run on the default."""


async def aset_sampling(
    base_url: str,
    trial_id: str,
    *,
    temperature: float | None = None,
    top_p: float | None = None,
    api_key: str | None = None,
    timeout: float = 15.0,
    attempts: int = 4,
) -> dict:
    """Make every call of `trial_id` sample with `temperature`/`top_p` (None = the gateway's default) → the
    gateway's answer `{"trial_id", "temperature", "top_p"}`. Raises SamplingNotSet with the cause: a trial that
    asked for greedy decoding must not silently sample at the training temperature."""
    import asyncio

    url = _url(base_url, trial_id, SAMPLING_PATH)
    for n in range(attempts):  # a busy proxy at a step's start (hundreds of trials at once) may not answer in time
        try:
            async with httpx.AsyncClient(timeout=timeout) as c:
                r = await c.post(url, headers=_headers(api_key), json={"temperature": temperature, "top_p": top_p})
            break
        except (httpx.TransportError, OSError) as exc:
            if n + 1 == attempts:
                raise SamplingNotSet(
                    f"sampling of trial {trial_id} not set after {attempts} attempts: {url}: {type(exc).__name__}: {exc}"
                ) from None
            await asyncio.sleep(0.5 * 2**n)
        except httpx.HTTPError as exc:
            raise SamplingNotSet(f"sampling of trial {trial_id} not set: {url}: {type(exc).__name__}: {exc}") from None
    if r.status_code != 200:
        raise SamplingNotSet(f"sampling of trial {trial_id} not set: {url} answered {r.status_code}: {r.text[:200]}")
    return r.json()
