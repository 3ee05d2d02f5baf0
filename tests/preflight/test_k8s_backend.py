"""Kubernetes backend checks with the real kubernetes client against a stand-in API server.

Test double: no Kubernetes cluster can run here, so a tiny HTTP server answers the two calls the check makes
(GET /api/v1/nodes, POST …/selfsubjectaccessreviews) with real API-shaped JSON."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class _Api(BaseHTTPRequestHandler):
    ready = "True"
    allowed = True

    def _send(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        node = {"metadata": {"name": "n1"}, "status": {"conditions": [{"type": "Ready", "status": self.server.ready}]}}
        self._send({"kind": "NodeList", "apiVersion": "v1", "metadata": {}, "items": [node]})

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert body["spec"]["resourceAttributes"] == {"namespace": "default", "verb": "create", "resource": "pods"}
        self._send(
            {
                "kind": "SelfSubjectAccessReview",
                "apiVersion": "authorization.k8s.io/v1",
                "spec": body["spec"],
                "status": {"allowed": self.server.allowed},
            }
        )

    def log_message(self, *args):
        pass


@pytest.fixture
def api(tmp_path):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    srv.ready, srv.allowed = "True", True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    kubeconfig = tmp_path / "kubeconfig.yaml"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "t",
                "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{srv.server_address[1]}"}}],
                "users": [{"name": "u", "user": {"token": "t0ken"}}],
                "contexts": [{"name": "t", "context": {"cluster": "c", "user": "u"}}],
            }
        )
    )
    yield srv, kubeconfig
    srv.shutdown()


def _k8s(make_config, kubeconfig):
    return make_config({"harbor_agent.environment_import_path": "k8s", "k8s.kubeconfig": str(kubeconfig)})


def test_k8s_reachable_and_rbac_ok(api, make_config, run_dryrun):
    _, kubeconfig = api
    code, text = run_dryrun(_k8s(make_config, kubeconfig))
    assert "  backend  (K8s (" in text
    assert "  OK       k8s:reachable  (1 node(s) Ready)" in text
    assert "  OK       k8s:rbac  (can create pods in namespace default)" in text
    assert "docker:daemon" not in text  # the docker checks do not run in K8s mode
    assert code == 0, text


def test_k8s_no_ready_node_and_no_rbac(api, make_config, run_dryrun, blocking_lines):
    srv, kubeconfig = api
    srv.ready, srv.allowed = "False", False
    code, text = run_dryrun(_k8s(make_config, kubeconfig))
    bad = "\n".join(blocking_lines(text))
    assert code == 1
    assert "k8s:reachable  (0 of 1 node(s) Ready" in bad and "k8s:rbac  (cannot create pods in namespace default" in bad


def test_k8s_unreachable_api(make_config, run_dryrun, blocking_lines, tmp_path):
    kubeconfig = tmp_path / "kc.yaml"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "t",
                "clusters": [{"name": "c", "cluster": {"server": "http://127.0.0.1:9"}}],
                "users": [{"name": "u", "user": {"token": "x"}}],
                "contexts": [{"name": "t", "context": {"cluster": "c", "user": "u"}}],
            }
        )
    )
    code, text = run_dryrun(_k8s(make_config, kubeconfig))
    assert code == 1 and any("k8s:reachable" in ln and "cannot list nodes" in ln for ln in blocking_lines(text))
