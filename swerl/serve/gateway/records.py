"""The gateway's token record: one `tokens.jsonl` line per call in the trial's dir (docs/design.md); the line
format (a continued call stores only its new prompt ids) is `swerl.models.trial.dump_line`'s."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from swerl.config.paths import trial_dir
from swerl.models.trial import TOKENS_FILE, TokenRecord, dump_line, read_token_records

__all__ = ["TOKENS_FILE", "RecordWriter", "TokenRecord", "read_records"]


class RecordWriter:
    """Appends records; one lock per process is enough (lines are small and written once). A trial's file path
    is remembered (its dir is made once, not on every line; made again if it was removed since)."""

    def __init__(self, trials_root: Path | None, max_paths: int = 65536):
        self.trials_root = trials_root
        self._lock = threading.Lock()
        self._paths: OrderedDict[str, Path] = OrderedDict()
        """Trial id → its tokens.jsonl whose dir exists (made by this writer), least recently used first."""
        self.max_paths = max_paths

    def path(self, trial_id: str) -> Path | None:
        return None if self.trials_root is None else trial_dir(self.trials_root, trial_id) / TOKENS_FILE

    def write(self, rec: TokenRecord) -> None:
        if self.trials_root is None:
            return
        line = dump_line(rec)
        with self._lock:
            p = self._paths.get(rec.trial_id)
            if p is not None:
                self._paths.move_to_end(rec.trial_id)
                try:
                    with open(p, "a") as f:
                        f.write(line)
                    return
                except FileNotFoundError:  # its dir was removed since: make it again
                    pass
            p = self.path(rec.trial_id)
            assert p is not None
            p.parent.mkdir(parents=True, exist_ok=True)
            with open(p, "a") as f:
                f.write(line)
            self._paths[rec.trial_id] = p
            while len(self._paths) > self.max_paths:
                self._paths.popitem(last=False)


read_records = read_token_records
