"""`python -m swerl.serve.proxy.launch --host H --port P --workers N` (config via $CONFIG_FILE_PATH)."""

from __future__ import annotations

import argparse

import uvicorn


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--workers", type=int, default=1)
    a = ap.parse_args()
    from swerl.run.orphan import watch_parent

    watch_parent()  # the proxy dies with the process that started it (kill -9 included)
    uvicorn.run(
        "swerl.serve.proxy.asgi:app",
        host=a.host,
        port=a.port,
        workers=a.workers,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=60,
    )


if __name__ == "__main__":
    main()
