"""The multi-node preflight (swerl.preflight.checks.cluster) on stand-in node lists, and `swerl node join|head`
argument handling. Fast: no Ray cluster here (the real two-raylet run is tests/train/test_multinode.py)."""

from __future__ import annotations

import io
import socket

from typer.testing import CliRunner

from swerl.cli import app
from swerl.config.load import load_config
from swerl.preflight.checks import cluster as mn
from swerl.preflight.context import Context
from swerl.preflight.report import Report, Status


def _node(i: int, gpus: float = 8, alive: bool = True) -> mn.NodeView:
    return mn.NodeView(f"{i:02d}" + "ab" * 27, f"10.0.0.{i}", alive, gpus)


def test_nodes_all_there_is_one_ok_line_each():
    lines = mn.node_lines([_node(1), _node(2)], nnodes=2, ngpus=8)
    assert [s for s, *_ in lines] == [Status.OK, Status.OK]
    assert "10.0.0.2" in lines[1][1] and "8 GPU" in lines[1][2]


def test_missing_and_short_nodes_one_line_each():
    lines = mn.node_lines([_node(1), _node(2, gpus=4), _node(3, alive=False)], nnodes=4, ngpus=8)
    assert lines[0][:2] == (Status.OK, "node 10.0.0.1 (01ababab)")
    short, dead = lines[1], lines[2]
    assert short[0] is Status.FAIL and "short by 4" in short[2] and "10.0.0.2" in short[1]
    assert dead[0] is Status.FAIL and "dead" in dead[2]
    missing = lines[3:]  # 2 alive of 4 → two missing lines, each with the join command
    assert [m[1] for m in missing] == ["node 3/4", "node 4/4"]
    assert all(m[0] is Status.FAIL and "swerl node join" in m[2] for m in missing)


def test_ray_nodes_format_is_read():
    raw = {"NodeID": "f" * 56, "NodeManagerAddress": "10.0.0.9", "Alive": True, "Resources": {"GPU": 8.0, "CPU": 1}}
    assert mn.NodeView.from_ray(raw) == mn.NodeView("f" * 56, "10.0.0.9", True, 8.0)
    assert mn.NodeView.from_ray({"NodeID": "x", "Alive": True, "Resources": {}}).gpus == 0


def test_shared_fs_probe_reads_what_the_head_wrote(tmp_path):
    a, b = tmp_path / "trials", tmp_path / "ckpt"
    a.mkdir(), b.mkdir()

    def probe(files, token, ids):  # stand-in for the Ray task per node: node 1 sees the files, node 2 does not
        assert len(files) == 2 and ids == [_node(1).node_id, _node(2).node_id]
        return {ids[0]: mn._read_probe(files, token), ids[1]: mn._read_probe([f + ".elsewhere" for f in files], token)}

    lines = mn.shared_fs([a, b], [_node(1), _node(2), _node(3, alive=False)], probe=probe)
    assert [s for s, *_ in lines] == [Status.OK, Status.FAIL]
    assert "mount" in lines[1][2] and str(a) in lines[1][2]
    assert list(tmp_path.rglob(f"{mn.PROBE_PREFIX}*")) == []  # removed again


def test_shared_fs_probe_error_is_named(tmp_path):
    lines = mn.shared_fs([tmp_path], [_node(1)], probe=lambda f, t, ids: {ids[0]: "probe task failed: boom"})
    assert lines[0][0] is Status.FAIL and "boom" in lines[0][2]


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_no_cluster_is_one_line_with_the_join_command(make_config, monkeypatch):
    port = _free_port()
    monkeypatch.setenv("RAY_ADDRESS", f"127.0.0.1:{port}")
    cfg = make_config({"infrastructure.nnodes": 2, "infrastructure.ray_port": port})
    r = Report(out=io.StringIO())
    mn.run(Context(load_config(cfg), cfg), r)
    fails = [ln for ln in r.lines if ln.status is Status.FAIL]
    assert len(fails) == 1 and f"swerl node join 127.0.0.1:{port}" in fails[0].detail
    assert f"ray start --head --port={port}" in fails[0].detail
    assert [ln.status for ln in r.lines if ln.label == "shared fs"] == [Status.WARN]


def test_single_node_checks_nothing(make_config):
    cfg = make_config()
    r = Report(out=io.StringIO())
    mn.run(Context(load_config(cfg), cfg), r)
    assert [ln.status for ln in r.lines] == [Status.OK]


def test_node_join_cli():
    run = CliRunner().invoke
    h = run(app, ["node", "join", "--help"])
    assert h.exit_code == 0 and "Join THIS host" in h.output
    bad = run(app, ["node", "join", "headnode"])
    assert bad.exit_code == 2 and "HOST:PORT" in bad.output
    down = run(app, ["node", "join", f"127.0.0.1:{_free_port()}"])
    assert down.exit_code == 1 and "no Ray head answers" in down.output
    dry = run(app, ["node", "join", "10.1.2.3:6379", "--num-gpus", "8", "--dry-run"])
    assert dry.exit_code == 0 and dry.output.split()[-4:] == [
        "start",
        "--address=10.1.2.3:6379",
        "--num-gpus=8",
        "--block",
    ]


def test_node_head_cli(make_config):
    cfg = make_config({"infrastructure.ray_port": 6390})
    out = CliRunner().invoke(app, ["node", "head", "-c", str(cfg), "--dry-run"])
    assert out.exit_code == 0 and "--head --port=6390" in out.output and "swerl node join" in out.output


def test_ray_port_held_by_the_heads_ray_warns_only_when_multi_node(make_config):
    from swerl.preflight.checks import ports

    held = socket.socket()
    held.bind(("0.0.0.0", 0))
    held.listen()
    port = held.getsockname()[1]
    try:
        got = {}
        for nnodes in (1, 2):
            cfg = make_config(
                {"infrastructure.nnodes": nnodes, "infrastructure.ngpus_per_node": 1, "infrastructure.ray_port": port}
            )
            r = Report(out=io.StringIO())
            ports.run(Context(load_config(cfg), cfg), r)
            got[nnodes] = next(ln for ln in r.lines if ln.label == f"port {port}")
    finally:
        held.close()
    assert got[1].status is Status.FAIL  # one node: a foreign Ray on the port breaks the run
    assert got[2].status is Status.WARN and "the head's Ray" in got[2].detail
