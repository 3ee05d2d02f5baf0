"""Debian mirror lookup from sample apt source trees (parsed by the real apt-get), and cache validity checks."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from swerl.rollout import apt_mirror, images
from swerl.rollout.apt_mirror import MirrorError, find_debian_mirror, release_fields

DEBIAN = "Origin: Debian\nLabel: Debian\nSuite: oldstable\nCodename: bookworm\nComponents: main\n"
SECURITY = "Origin: Debian\nLabel: Debian-Security\nCodename: bookworm-security\n"
NODE = "Origin: Node Source\nLabel: Node Source\nCodename: nodistro\n"
TRIXIE = "Origin: Debian\nLabel: Debian\nCodename: trixie\n"
RELEASES = {
    "https://node.example/node_20.x/dists/nodistro/InRelease": NODE,
    "http://mirror.example/debian/dists/bookworm/InRelease": DEBIAN,
    "http://mirror.example/debian-security/dists/bookworm-security/InRelease": SECURITY,
    "http://other.example/debian/dists/trixie/Release": TRIXIE,
    "http://thirdparty.example/repo/dists/bookworm/InRelease": "Origin: Docker\nLabel: Docker CE\nCodename: bookworm\n",
}


def fetch_from(table: dict[str, str], log: list[str] | None = None):
    def fetch(url: str) -> str:
        if log is not None:
            log.append(url)
        return table.get(url, "")

    return fetch


def tree(tmp_path: Path, files: dict[str, str]) -> Path:
    etc = tmp_path / "etc" / "apt"
    (etc / "sources.list.d").mkdir(parents=True)
    for name, text in files.items():
        (etc / name).write_text(text)
    return etc


def lookup(etc: Path, tmp_path: Path, table=RELEASES, **kw) -> str:
    lists = tmp_path / "lists"
    lists.mkdir(exist_ok=True)
    return find_debian_mirror(apt_etc=etc, lists=lists, fetch=fetch_from(table), **kw)


def test_third_party_first_and_disabled_files_are_skipped(tmp_path):
    etc = tree(
        tmp_path,
        {
            # apt reads sources.list.d in name order: the third-party repo comes first
            "sources.list.d/00-nodesource.sources": "Types: deb\nURIs: https://node.example/node_20.x\n"
            "Suites: nodistro\nComponents: main\n",
            "sources.list.d/01-docker.list": "deb [arch=amd64 signed-by=/k.gpg] http://thirdparty.example/repo bookworm stable\n",
            # files apt ignores (not *.list / *.sources) must be ignored here too
            "sources.list.d/02-cloud.list.disabled-by-farm": "deb http://disabled.example/debian bookworm main\n",
            "sources.list.d/03-old.list.save": "deb http://saved.example/debian bookworm main\n",
            "sources.list.d/debian.sources": "Types: deb\n# a comment\nURIs: http://mirror.example/debian\n"
            "Suites: bookworm bookworm-updates\nComponents: main\n\n"
            "Types: deb\nURIs: http://mirror.example/debian-security\n"
            "Suites: bookworm-security\nComponents: main\n",
        },
    )
    seen = [c.uri for c in apt_mirror.apt_candidates(etc)]
    assert "http://disabled.example/debian/" not in seen and "http://saved.example/debian/" not in seen
    assert seen[0] == "https://node.example/node_20.x/"  # apt's order, as apt printed it
    assert lookup(etc, tmp_path) == "http://mirror.example/debian"


def test_one_line_sources_list_and_deb822_enabled_no(tmp_path):
    etc = tree(
        tmp_path,
        {
            "sources.list": "# deb http://commented.example/debian bookworm main\n"
            "deb-src http://src.example/debian bookworm main\n"
            "deb http://mirror.example/debian bookworm main contrib\n",
            "sources.list.d/off.sources": "Enabled: no\nTypes: deb\nURIs: http://off.example/debian\n"
            "Suites: bookworm\nComponents: main\n",
        },
    )
    seen = [c.uri for c in apt_mirror.apt_candidates(etc)]
    assert seen == ["http://mirror.example/debian/"]
    assert lookup(etc, tmp_path) == "http://mirror.example/debian"


def test_another_debian_suite_is_a_fallback(tmp_path):
    etc = tree(tmp_path, {"sources.list": "deb http://other.example/debian trixie main\n"})
    assert lookup(etc, tmp_path) == "http://other.example/debian"


def test_no_debian_archive_names_every_candidate(tmp_path):
    etc = tree(
        tmp_path,
        {
            "sources.list.d/n.sources": "Types: deb\nURIs: https://node.example/node_20.x\nSuites: nodistro\n"
            "Components: main\n",
            "sources.list.d/x.list": "deb http://unreachable.example/debian bookworm main\n",
        },
    )
    with pytest.raises(MirrorError) as e:
        lookup(etc, tmp_path)
    msg = str(e.value)
    assert "\n" not in msg
    assert "node.example/node_20.x nodistro" in msg and "Node Source" in msg
    assert "unreachable.example/debian bookworm" in msg and "no Release file" in msg
    assert "--mirror" in msg and apt_mirror.ENV_OVERRIDE in msg


def test_empty_tree_error_and_explicit_override(tmp_path, monkeypatch):
    etc = tree(tmp_path, {})
    with pytest.raises(MirrorError, match="no enabled deb source"):
        lookup(etc, tmp_path)
    assert lookup(etc, tmp_path, override="http://given.example/debian/") == "http://given.example/debian"
    monkeypatch.setenv(apt_mirror.ENV_OVERRIDE, "http://env.example/debian")
    assert lookup(etc, tmp_path) == "http://env.example/debian"


def test_release_apt_already_fetched_is_used_without_network(tmp_path):
    etc = tree(tmp_path, {"sources.list": "deb http://mirror.example/deb_ian bookworm main\n"})
    lists = tmp_path / "lists"
    lists.mkdir()
    # apt's file name for the URI: scheme dropped, '_' quoted as %5f, '/' → '_'
    (lists / "mirror.example_deb%5fian_dists_bookworm_InRelease").write_text(
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n" + DEBIAN + "MD5Sum:\n 0123 1 main/x\n"
    )
    asked: list[str] = []
    assert find_debian_mirror(apt_etc=etc, lists=lists, fetch=fetch_from({}, asked)) == "http://mirror.example/deb_ian"
    assert asked == []


def test_release_fields_clearsigned():
    text = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nOrigin: Debian\nLabel: Debian\nMD5Sum:\n a b c\n"
    assert release_fields(text) == {"Origin": "Debian", "Label": "Debian", "MD5Sum": ""}


def test_partial_rootfs_and_torn_wheels_are_not_a_cache(tmp_path):
    rootfs = tmp_path / "rootfs"
    (rootfs / "usr/bin").mkdir(parents=True)
    (rootfs / "usr/bin/python3").write_text("")
    assert not images.rootfs_complete(rootfs)  # debootstrap got that far, then died: no marker
    (rootfs / images.ROOTFS_MARKER).write_text("another-recipe\n")
    assert not images.rootfs_complete(rootfs)
    (rootfs / images.ROOTFS_MARKER).write_text(images.recipe() + "\n")
    assert images.rootfs_complete(rootfs)

    wheels = tmp_path / "wheels"
    wheels.mkdir()
    assert not images.wheels_valid(wheels)
    good = wheels / "pytest-8.0.0-py3-none-any.whl"
    with zipfile.ZipFile(good, "w") as z:
        z.writestr("pytest/__init__.py", "x = 1\n" * 1000)
    assert images.wheels_valid(wheels)
    good.write_bytes(good.read_bytes()[:200])  # torn download
    assert not images.wheels_valid(wheels)
