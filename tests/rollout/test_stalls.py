"""The stall sampler names the code that held the event loop (swerl/rollout/stalls.py)."""

import asyncio
import time

from swerl.rollout.stalls import StallSampler, signature


def block_the_loop_here(seconds: float) -> None:
    time.sleep(seconds)


def test_a_blocking_call_on_the_loop_is_named_once_per_stall():
    async def main():
        s = StallSampler(threshold=0.3, period=0.05)
        s.start()
        for _ in range(4):  # a healthy loop: beats on time, nothing sampled
            s.beat(0.1)
            await asyncio.sleep(0.1)
        assert s.take() == {}
        s.beat(0.1)
        block_the_loop_here(1.0)  # one stall of ~0.9 s past due: one sample, however many checks see it
        s.beat(0.1)
        await asyncio.sleep(0.1)
        got = s.take()
        s.stop()
        s.beat(0.1)
        block_the_loop_here(0.6)  # stopped: not sampled
        after = s.take()
        s.close()
        return got, after

    got, after = asyncio.run(main())
    assert len(got) == 1 and sum(got.values()) == 1, got
    (sig,) = got
    assert sig.split(" < ")[0].endswith("block_the_loop_here") and "test_stalls.py" in sig, sig
    assert after == {}


def test_signature_is_innermost_first_and_bounded():
    import sys

    def inner():
        return signature(sys._getframe(), depth=2)

    sig = inner()
    assert sig.startswith("test_stalls.py:") and " inner < " in sig and sig.count(" < ") == 1
