"""The Debian archive debootstrap should use, found the way apt finds its sources.

apt itself lists its enabled sources (`apt-get indextargets --no-release-info`: only `*.list` / `*.sources`
files, deb822 and one-line, `Enabled: no` honoured, in apt's order). Each candidate is then identified by its
Release file — the copy apt already fetched when there is one, else fetched from the candidate — and only an
archive whose Release says `Origin: Debian` + `Label: Debian` is taken (third-party repositories and
Debian-Security are skipped). An explicit mirror (`--mirror` / `SWERL_DEBIAN_MIRROR`) wins over all of it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ENV_OVERRIDE = "SWERL_DEBIAN_MIRROR"
FORMAT = "$(REPO_URI)\t$(RELEASE)\t$(TARGET_OF)\t$(SOURCESENTRY)"

_APT_QUOTED = set('\\|{}[]<>"^~_=!@#$%&*')  # apt's URItoFileName quotes these before '/' → '_'
Fetch = Callable[[str], str]  # URL → text ("" when it cannot be read)


class MirrorError(RuntimeError):
    """No Debian archive found; the message lists what was tried and how to override."""


@dataclass(frozen=True)
class Candidate:
    uri: str  # with a trailing slash, as apt prints it
    suite: str
    entry: str  # "file:line" of the sources entry

    @property
    def mirror(self) -> str:
        return self.uri.rstrip("/")


def apt_candidates(apt_etc: Path | None = None) -> list[Candidate]:
    """Enabled `deb` sources in apt's own order, parsed by apt (`apt_etc` = a Dir::Etc tree, for tests)."""
    if not shutil.which("apt-get"):
        return []
    cmd = ["apt-get", "indextargets", "--no-release-info", "--format", FORMAT]
    if apt_etc is not None:
        cmd[1:1] = ["-o", f"Dir::Etc={apt_etc}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    seen: dict[tuple[str, str], Candidate] = {}
    for line in out.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) != 4 or parts[2] != "deb":
            continue
        key = (parts[0], parts[1])
        if key not in seen:
            seen[key] = Candidate(uri=parts[0], suite=parts[1], entry=parts[3])
    return list(seen.values())


def release_fields(text: str) -> dict[str, str]:
    """Header fields of a Release / InRelease file (a clearsigned InRelease has them after the PGP header)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if fields:
                break
            continue
        if line.startswith(("-----BEGIN", "Hash:")) or line[:1].isspace():
            continue
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip(), value.strip())
    return fields


def _lists_file(c: Candidate, lists: Path) -> Path | None:
    """apt's cached InRelease/Release of a candidate (apt names them by URI: no scheme, '/' → '_')."""
    raw = c.uri.split("://", 1)[-1] + f"dists/{c.suite}/"
    stem = "".join(f"%{ord(ch):02x}" if ch in _APT_QUOTED else ch for ch in raw).replace("/", "_")
    for name in ("InRelease", "Release"):
        p = lists / (stem + name)
        if p.is_file():
            return p
    return None


def http_fetch(url: str, timeout: float = 15.0) -> str:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 — apt's own source URLs
            return r.read(64 * 1024).decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""


def identify(c: Candidate, lists: Path, fetch: Fetch) -> dict[str, str]:
    cached = _lists_file(c, lists)
    if cached is not None:
        try:
            return release_fields(cached.read_text(errors="replace"))
        except OSError:
            pass
    for name in ("InRelease", "Release"):
        text = fetch(f"{c.uri}dists/{c.suite}/{name}")
        if text:
            return release_fields(text)
    return {}


def host_codename(os_release: Path = Path("/etc/os-release")) -> str:
    try:
        for line in os_release.read_text().splitlines():
            if line.startswith("VERSION_CODENAME="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return ""


def find_debian_mirror(
    override: str = "",
    suite: str = "bookworm",
    *,
    apt_etc: Path | None = None,
    lists: Path = Path("/var/lib/apt/lists"),
    fetch: Fetch = http_fetch,
) -> str:
    """The mirror URL (no trailing slash). Prefers a Debian archive whose codename is `suite`, else any
    Debian archive (they all carry every supported suite); raises MirrorError naming each candidate tried."""
    explicit = override or os.environ.get(ENV_OVERRIDE, "")
    if explicit:
        return explicit.rstrip("/")
    tried: list[str] = []
    fallback = ""
    for c in apt_candidates(apt_etc):
        f = identify(c, lists, fetch)
        origin, label, codename = f.get("Origin", ""), f.get("Label", ""), f.get("Codename", c.suite)
        if not f:
            tried.append(f"{c.mirror} {c.suite} ({c.entry}): no Release file readable")
        elif origin != "Debian" or label != "Debian":
            tried.append(
                f"{c.mirror} {c.suite} ({c.entry}): Origin {origin or '?'} / Label {label or '?'}, not the Debian archive"
            )
        elif codename == suite:
            return c.mirror
        else:
            fallback = fallback or c.mirror
            tried.append(f"{c.mirror} {c.suite}: Debian, codename {codename}")
    if fallback:
        return fallback
    where = (
        "; ".join(tried)
        if tried
        else "apt lists no enabled deb source" + ("" if shutil.which("apt-get") else " (no apt-get)")
    )
    raise MirrorError(f"no Debian archive among apt's sources ({where}) — pass --mirror URL or set {ENV_OVERRIDE}=URL")
