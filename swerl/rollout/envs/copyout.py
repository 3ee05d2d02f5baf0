"""Files copied out of a sandbox (agent logs, verifier output): streamed to disk, each file bounded.

One policy for every environment: a copied-out file keeps at most `FILE_LIMIT` bytes — its head written as it
streams, its last `TAIL_BYTES` held until the end — with a one-line marker saying how many bytes were dropped
in between. A tar archive from the sandbox is read member by member (`tarfile` stream mode) and never held in
memory: before this, the Docker environment joined the whole archive in memory (twice), so one verifier whose
test output ran to gigabytes (a policy's endless loop printing into `/logs/verifier/test-stdout.txt`) grew
the rollout process by that much. Docker's archive goes through a temporary file first (`extract_spooled`,
at most `SPOOL_LIMIT`): parsed lazily straight off the daemon's response inside a trial, its stream ended
early (a clean end after ~400 KB of a 24 MB file — not traced further; read in one go it is whole).
Kubernetes' tar-over-exec is parsed as it arrives. Member paths go through tarfile's `data` filter (nothing
outside the target, no devices).
"""

from __future__ import annotations

import io
import shutil
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

SPOOL_LIMIT = 4 << 30
"""Bytes of one archive spooled to disk before extraction (`extract_spooled`); past it the archive is cut and
the members after the cut are lost (a trial's logs never come near it)."""
FILE_LIMIT = 64 << 20
"""Bytes kept per copied-out file; above any agent trajectory or test log a trial needs."""
TAIL_BYTES = 2 << 20
"""Of those, the last bytes of the file (where a log says how it ended)."""
_CHUNK = 1 << 20


def dropped_note(n: int) -> bytes:
    """The marker written where a copied-out file lost bytes (the one wording)."""
    return f"\n[swerl: {n} bytes of this file dropped here (sandbox copy-out keeps {FILE_LIMIT >> 20} MiB)]\n".encode()


class CappedFile:
    """A file written in chunks: the first `limit - tail` bytes go straight to disk, the last `tail` are held
    in memory until `close()`, which writes the marker (if bytes were dropped) and the tail. Limits default
    to the module's values when the file is opened."""

    def __init__(self, path: Path, limit: int | None = None, tail: int | None = None):
        self.limit = FILE_LIMIT if limit is None else limit
        self.tail_keep = min(TAIL_BYTES if tail is None else tail, self.limit)
        self.head_room = self.limit - self.tail_keep
        self.total = 0
        self.tail = bytearray()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._f: IO[bytes] = open(path, "wb")  # noqa: SIM115 — closed by close()

    def write(self, chunk: bytes) -> None:
        self.total += len(chunk)
        if self.head_room > 0:
            head, chunk = chunk[: self.head_room], chunk[self.head_room :]
            self._f.write(head)
            self.head_room -= len(head)
        if chunk:
            self.tail += chunk
            if len(self.tail) > self.tail_keep:
                del self.tail[: len(self.tail) - self.tail_keep]

    @property
    def dropped(self) -> int:
        return max(0, self.total - self.limit)

    def close(self) -> None:
        if self.dropped:
            self._f.write(dropped_note(self.dropped))
        self._f.write(self.tail)
        self._f.close()


def write_capped(src: IO[bytes], path: Path, limit: int | None = None) -> int:
    """Copy a readable stream into `path` under the per-file bound → the bytes dropped."""
    out = CappedFile(path, limit)
    try:
        while chunk := src.read(_CHUNK):
            out.write(chunk)
    finally:
        out.close()
    return out.dropped


def copy_capped(src: str, dst: str) -> str:
    """`shutil.copytree`'s copy function under the per-file bound (keeps the source's mode and times)."""
    with open(src, "rb") as f:
        write_capped(f, Path(dst))
    shutil.copystat(src, dst)
    return dst


class _Chunks(io.RawIOBase):
    """A read-only file over an iterator of byte chunks (Docker's archive stream)."""

    def __init__(self, chunks: Iterable[bytes]):
        self._it: Iterator[bytes] = iter(chunks)
        self._buf = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # noqa: ANN001 — a writable buffer
        while not self._buf:
            try:
                self._buf = next(self._it)
            except StopIteration:
                return 0
        n = min(len(b), len(self._buf))
        b[:n], self._buf = self._buf[:n], self._buf[n:]
        return n


def _reader(chunks: Iterable[bytes] | IO[bytes]) -> IO[bytes]:
    """A readable file for `tarfile`'s stream mode: a file as it is, an iterator of chunks wrapped."""
    return chunks if hasattr(chunks, "read") else io.BufferedReader(_Chunks(chunks), _CHUNK)  # type: ignore[return-value,arg-type]


def extract_stream(chunks: Iterable[bytes] | IO[bytes], target: Path) -> int:
    """Extract a tar stream into `target` member by member, every file under the bound → bytes dropped."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    dropped = 0
    with tarfile.open(fileobj=_reader(chunks), mode="r|") as tar:
        for m in tar:
            if m.isdev():
                continue
            try:
                m = tarfile.data_filter(m, str(target))
            except tarfile.FilterError:
                continue
            if m.isfile():
                src = tar.extractfile(m)
                assert src is not None
                dropped += write_capped(src, target / m.name)
            else:
                tar.extract(m, target, filter="data")
    return dropped


def _spool(chunks: Iterable[bytes], near: Path) -> IO[bytes]:
    """The chunks into an unnamed temporary file beside `near` (read as fast as they come), rewound."""
    near.mkdir(parents=True, exist_ok=True)
    f = tempfile.TemporaryFile(dir=near)
    n = 0
    for c in chunks:
        if n >= SPOOL_LIMIT:
            break
        f.write(c)
        n += len(c)
    f.seek(0)
    return f


def extract_spooled(chunks: Iterable[bytes], target: Path) -> int:
    """`extract_stream` for an archive whose producer must be read in one go (Docker's archive endpoint: read
    lazily while files are written, its stream was seen to end early), through a temporary file."""
    with _spool(chunks, Path(target).parent) as f:
        return _extract_cut(f, Path(target))


def first_file_spooled(chunks: Iterable[bytes], path: Path) -> int:
    """`first_file` through a temporary file (as `extract_spooled`)."""
    with _spool(chunks, Path(path).parent) as f:
        return first_file(f, Path(path))


def _extract_cut(f: IO[bytes], target: Path) -> int:
    try:
        return extract_stream(f, target)
    except tarfile.ReadError:  # cut at SPOOL_LIMIT: what came before is on disk
        if f.tell() < SPOOL_LIMIT:
            raise
        return 0


def first_file(chunks: Iterable[bytes] | IO[bytes], path: Path) -> int:
    """The first regular file of a tar stream into `path`, under the bound → bytes dropped (FileNotFoundError
    when the archive holds no file)."""
    with tarfile.open(fileobj=_reader(chunks), mode="r|") as tar:
        for m in tar:
            if m.isfile():
                src = tar.extractfile(m)
                assert src is not None
                return write_capped(src, Path(path))
    raise FileNotFoundError(f"no file in the archive copied to {path}")
