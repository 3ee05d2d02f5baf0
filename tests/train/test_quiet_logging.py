"""The local session keeps Harbor's DEBUG records off the console: verl's import runs `logging.basicConfig`, a
root handler with no level, and Harbor's loggers (pinned at DEBUG) propagate to it."""

import io
import logging

from swerl.train.session import quiet_root_handlers


def test_harbor_debug_hidden_warnings_kept():
    root = logging.getLogger()
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)  # what basicConfig adds outside pytest (pytest owns the root here)
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.WARNING)
    try:
        quiet_root_handlers()
        log = logging.getLogger("harbor.trial.test_quiet")
        log.setLevel(logging.DEBUG)
        log.debug("debug-line")
        log.warning("warning-line")
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    assert "debug-line" not in buf.getvalue()
    assert "warning-line" in buf.getvalue()


def test_wandb_run_config_never_holds_credentials():
    from swerl.config.load import parse_config
    from swerl.train.cli import _tracked_config

    cfg = parse_config(
        {
            "runtime_info": {
                "input": {
                    "model": {"model_path": "smollm2"},
                    "data": {},
                    "credentials": {"wandb_api_key": "wandb-SECRET-123456"},
                }
            }
        }
    )
    conf = _tracked_config(cfg)
    assert "credentials" not in conf and "wandb-SECRET-123456" not in repr(conf)
    assert conf["training"]["train_batch_size"] == cfg.input.training.train_batch_size
