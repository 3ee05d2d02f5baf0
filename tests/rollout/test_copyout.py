"""Files copied out of a sandbox are streamed and bounded per file (swerl/rollout/envs/copyout.py)."""

import io
import os
import tarfile
import threading
import tracemalloc

import pytest

from swerl.rollout.envs import copyout


def _tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _chunks(data: bytes, n: int = 1000):
    for i in range(0, len(data), n):
        yield data[i : i + n]


@pytest.fixture
def small(monkeypatch):
    monkeypatch.setattr(copyout, "FILE_LIMIT", 10_000)
    monkeypatch.setattr(copyout, "TAIL_BYTES", 1_000)


def test_big_file_keeps_head_and_tail_and_the_files_after_it(tmp_path, small):
    big = bytes(range(256)) * 200  # 51,200 bytes
    data = _tar({"./test-stdout.txt": big, "./reward.txt": b"1\n", "./sub/x.txt": b"x"})
    dropped = copyout.extract_stream(_chunks(data), tmp_path)
    got = (tmp_path / "test-stdout.txt").read_bytes()
    assert dropped == len(big) - 10_000
    note = copyout.dropped_note(dropped)
    assert got == big[:9_000] + note + big[-1_000:]
    assert (tmp_path / "reward.txt").read_bytes() == b"1\n"
    assert (tmp_path / "sub" / "x.txt").read_bytes() == b"x"


def test_file_under_the_bound_is_copied_exactly(tmp_path, small):
    data = _tar({"a.txt": b"a" * 10_000})
    assert copyout.extract_stream(_chunks(data, 7), tmp_path) == 0
    assert (tmp_path / "a.txt").read_bytes() == b"a" * 10_000


def test_member_outside_the_target_is_skipped(tmp_path):
    data = _tar({"../escape.txt": b"no", "/abs.txt": b"no", "ok.txt": b"ok"})
    copyout.extract_stream(_chunks(data), tmp_path / "t")
    assert not (tmp_path / "escape.txt").exists()
    assert (tmp_path / "t" / "ok.txt").read_bytes() == b"ok"


def test_first_file(tmp_path, small):
    data = _tar({"dir/a.txt": b"A", "dir/b.txt": b"B" * 20_000})
    assert copyout.first_file(_chunks(data), tmp_path / "one.txt") == 0
    assert (tmp_path / "one.txt").read_bytes() == b"A"
    with pytest.raises(FileNotFoundError):
        copyout.first_file(_chunks(_tar({})), tmp_path / "none.txt")


def test_copy_capped_is_the_copytree_copy_function(tmp_path, small):
    src = tmp_path / "src.txt"
    src.write_bytes(b"z" * 30_000)
    os.chmod(src, 0o640)
    copyout.copy_capped(str(src), str(tmp_path / "dst.txt"))
    got = (tmp_path / "dst.txt").read_bytes()
    assert got.startswith(b"z" * 9_000 + b"\n[swerl: 20000 bytes") and got.endswith(b"z" * 1_000)
    assert os.stat(tmp_path / "dst.txt").st_mode & 0o777 == 0o640


def test_a_gigabyte_archive_streams_in_bounded_memory(tmp_path):
    """The real bound (64 MiB per file): a 1 GiB sparse file piped through tar is extracted while Python
    holds a few MiB, never the archive (the Docker environment used to join it whole, twice)."""
    src = tmp_path / "huge.txt"
    with open(src, "wb") as f:
        f.truncate(1 << 30)
    r, w = os.pipe()

    def produce():
        with os.fdopen(w, "wb") as out, tarfile.open(fileobj=out, mode="w|") as tar:
            tar.add(str(src), arcname="./huge.txt")

    t = threading.Thread(target=produce)
    t.start()
    tracemalloc.start()
    try:
        with os.fdopen(r, "rb") as pipe:
            dropped = copyout.extract_stream(pipe, tmp_path / "out")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        t.join()
    assert dropped == (1 << 30) - copyout.FILE_LIMIT
    assert (tmp_path / "out" / "huge.txt").stat().st_size == copyout.FILE_LIMIT + len(copyout.dropped_note(dropped))
    assert peak < 16 << 20, peak


def test_spooled_archive_is_whole_and_a_cut_keeps_what_came_before(tmp_path, small, monkeypatch):
    data = _tar({"a.txt": b"A" * 5000, "big.txt": b"B" * 50_000, "z.txt": b"Z"})
    assert copyout.extract_spooled(_chunks(data), tmp_path / "whole") == 40_000
    assert (tmp_path / "whole" / "z.txt").read_bytes() == b"Z"
    monkeypatch.setattr(copyout, "SPOOL_LIMIT", 20_000)  # cut inside big.txt
    copyout.extract_spooled(_chunks(data), tmp_path / "cut")
    assert (tmp_path / "cut" / "a.txt").read_bytes() == b"A" * 5000
    assert not (tmp_path / "cut" / "z.txt").exists()  # after the cut: lost (the cut member keeps < 1 MiB less)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut", "whole"]  # the spool file is gone
