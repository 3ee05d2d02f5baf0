"""swerl-bash prompt: few-shot chat turns that parse with the agent's own extractor and leak no shipped answer."""

import sys
from pathlib import Path

from swerl.rollout.agents.swerl_bash import SHOTS, extract_command, feedback, initial_messages

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tasks"))
from make_tasks import easy_tasks  # noqa: E402


def test_messages_shape_and_shots_parse():
    msgs = initial_messages("Do the thing.")
    assert msgs[0]["role"] == "system" and msgs[-1] == {"role": "user", "content": "Do the thing."}
    turns = msgs[1:-1]
    assert [m["role"] for m in turns] == ["user", "assistant"] * len(SHOTS)
    assert [extract_command(m["content"]) for m in turns[1::2]] == [cmd for _, cmd in SHOTS]


def test_shots_leak_no_easy_task_answer():
    shot_text = " ".join(f"{q} {c}" for q, c in SHOTS)
    for t in easy_tasks():
        assert t.solution not in shot_text, t.name
        for name in t.files:
            assert name not in shot_text, (t.name, name)


def test_feedback_reports_result_and_asks_for_done():
    fb = feedback(3, "")
    assert fb.startswith("exit code 3\n(no output)") and "DONE" in fb


def test_done_written_as_a_command_ends_the_trial():
    from swerl.rollout.agents.swerl_bash import extract_command, is_done_command

    for reply in ('```bash\necho "DONE"\n```', "```bash\nDONE\n```", "```bash\necho DONE\n```"):
        assert is_done_command(extract_command(reply))
    for cmd in ("echo done > notes.txt", 'echo "DONE" > status.txt', "ls", "echo DONE && rm -rf x"):
        assert not is_done_command(cmd)
