"""The gateway's token record: one `tokens.jsonl` line per call in the trial's dir (docs/design.md); the line
format (a continued call stores only its new prompt ids) is `swerl.models.trial.dump_line`'s."""

from __future__ import annotations

import threading
from pathlib import Path

from swerl.config.paths import trial_dir
from swerl.models.trial import TOKENS_FILE, TokenRecord, dump_line, read_token_records

__all__ = ["TOKENS_FILE", "RecordWriter", "TokenRecord", "read_records"]


class RecordWriter:
    """Appends records; one lock per process is enough (lines are small and written once)."""

    def __init__(self, trials_root: Path | None):
        self.trials_root = trials_root
        self._lock = threading.Lock()

    def path(self, trial_id: str) -> Path | None:
        return None if self.trials_root is None else trial_dir(self.trials_root, trial_id) / TOKENS_FILE

    def write(self, rec: TokenRecord) -> None:
        p = self.path(rec.trial_id)
        if p is None:
            return
        line = dump_line(rec)
        with self._lock:
            p.parent.mkdir(parents=True, exist_ok=True)
            with open(p, "a") as f:
                f.write(line)


read_records = read_token_records
