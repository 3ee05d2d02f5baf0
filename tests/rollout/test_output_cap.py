"""The sandbox output policy (swerl.rollout.envs.output): what one exec keeps of an endless stream."""

from swerl.rollout.envs.output import CappedOutput, CappedStream, killed_note


def test_short_output_is_kept_whole():
    s = CappedStream(keep=10)
    s.add(b"abc")
    s.add(b"def")
    assert (s.text(), s.total, s.dropped) == ("abcdef", 6, 0)


def test_long_output_keeps_head_and_tail_and_says_what_was_dropped():
    s = CappedStream(keep=8)
    for chunk in (b"0123", b"456789", b"abcdefghij", b"XYZ"):
        s.add(chunk)
    assert s.total == 23 and s.dropped == 15
    assert s.text() == "0123\n[swerl: 15 bytes of output dropped here]\njXYZ"


def test_over_the_limit_is_reported_on_stderr():
    cap = CappedOutput(keep=4, limit=10)
    cap.stdout.add(b"y\n" * 4)
    assert not cap.over
    cap.stderr.add(b"err")
    assert cap.over
    res = cap.result(137)
    assert res.return_code == 137 and res.stdout == "y\n\n[swerl: 4 bytes of output dropped here]\ny\n"
    assert res.stderr.endswith(killed_note(10)) and "cut off" in res.stderr
