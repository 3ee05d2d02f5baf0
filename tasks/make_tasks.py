"""Generate the shipped Harbor task sets (`tasks/easy/`, `tasks/swe-mini/`) from the tables below.

One script so every task has the same shape: `instruction.md`, `task.toml`, `environment/Dockerfile`
(`FROM swerl/base…`, no `docker_image` key, so nothing is pulled), `tests/test.sh` (writes
`/logs/verifier/reward.txt`, Harbor 0.25's shared-verifier contract) and `solution/solve.sh`.

    python tasks/make_tasks.py          # rewrites tasks/easy and tasks/swe-mini

easy: one-step shell chores a 135M model gets right *sometimes* (checks strip whitespace).
swe-mini: small Python repos with one bug each; hidden pytest tests in `tests/` decide the reward
(all FAIL_TO_PASS and PASS_TO_PASS tests must pass). They need pytest in the image: they build
`FROM swerl/base-py:bookworm` (base + pytest unpacked from host-downloaded wheels; `swerl sandbox build-base`).
"""

from __future__ import annotations

import json
import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASE = "swerl/base:bookworm"
BASE_PY = "swerl/base-py:bookworm"

TASK_TOML = """\
schema_version = "1.4"

[metadata]
difficulty = "{difficulty}"
category = "{category}"
tags = {tags}
{extra_meta}
[verifier]
timeout_sec = {verifier_timeout}

[agent]
timeout_sec = {agent_timeout}

[environment]
build_timeout_sec = 300.0
workdir = "/app"
"""

# Absolute sandbox paths go through $R: empty in Docker, the trial root in the local no-isolation sandbox's
# rewrite mode (swerl/rollout/envs/local_process.py), so the same scripts grade in both.
ROOT = '#!/bin/bash\nR="${SWERL_SANDBOX_ROOT:-}"\n'
REWARD_TAIL = """
mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
"""


@dataclass
class Easy:
    name: str
    instruction: str
    check: str
    """bash condition run in /app; true = solved."""
    solution: str
    files: dict[str, str] = field(default_factory=dict)
    """Files present in /app at the start."""


def _same(path: str, text: str) -> str:
    """Whitespace- and case-insensitive content check (a 135M model writes `Hello` for `hello` half the time)."""
    want = "".join(text.split()).lower()
    return f'[ -f {path} ] && [ "$(tr -d "[:space:]" < {path} | tr "[:upper:]" "[:lower:]")" = "{want}" ]'


def easy_tasks() -> list[Easy]:
    t: list[Easy] = []
    for _i, (fname, word) in enumerate(
        [
            ("hello.txt", "hello"),
            ("name.txt", "swerl"),
            ("color.txt", "blue"),
            ("pet.txt", "cat"),
            ("greeting.txt", "hi there"),
            ("number.txt", "42"),
        ]
    ):
        t.append(
            Easy(
                f"create-{fname.split('.')[0]}",
                f"Write the text {word} into a new file named {fname}. Hint: echo TEXT > FILE",
                _same(fname, word),
                f"echo '{word}' > {fname}",
            )
        )
    for fname, old, line in [
        ("notes.txt", "first", "second"),
        ("list.txt", "apple", "banana"),
        ("log.txt", "start", "end"),
        ("todo.txt", "wake up", "code"),
    ]:
        t.append(
            Easy(
                f"append-{fname.split('.')[0]}",
                f"Add a line with the text {line} to the end of {fname}. Hint: echo TEXT >> FILE",
                _same(fname, old + line),
                f"echo '{line}' >> {fname}",
                {fname: old + "\n"},
            )
        )
    for src, dst in [("old.txt", "new.txt"), ("draft.md", "final.md"), ("a.txt", "b.txt")]:
        t.append(
            Easy(
                f"rename-{src.split('.')[0]}",
                f"Rename the file {src} to {dst}.",
                f"[ -f {dst} ] && [ ! -e {src} ] && grep -q keep {dst}",
                f"mv {src} {dst}",
                {src: "keep\n"},
            )
        )
    t.append(Easy("mkdir-data", "Create a directory named data.", "[ -d data ]", "mkdir data"))
    t.append(
        Easy(
            "copy-config",
            "Copy the file config.ini to backup.ini.",
            "[ -f config.ini ] && cmp -s config.ini backup.ini",
            "cp config.ini backup.ini",
            {"config.ini": "[main]\nx=1\n"},
        )
    )
    t.append(
        Easy(
            "delete-junk",
            "Delete the file junk.tmp.",
            "[ ! -e junk.tmp ] && [ -f keep.txt ]",
            "rm junk.tmp",
            {"junk.tmp": "junk\n", "keep.txt": "keep\n"},
        )
    )
    t.append(Easy("run-date", "Run this exact command: `date > now.txt`", "[ -s now.txt ]", "date > now.txt"))
    t.append(
        Easy("run-ls", "Run this exact command: `ls / > listing.txt`", "grep -qx etc listing.txt", "ls / > listing.txt")
    )
    t.append(
        Easy(
            "run-math",
            "Run this exact command: `echo $((6*7)) > answer.txt`",
            _same("answer.txt", "42"),
            "echo $((6*7)) > answer.txt",
        )
    )
    t.append(
        Easy(
            "run-wc",
            "Run this exact command: `wc -l < words.txt > count.txt`",
            _same("count.txt", "3"),
            "wc -l < words.txt > count.txt",
            {"words.txt": "a\nb\nc\n"},
        )
    )
    t.append(
        Easy(
            "fix-echo",
            "The file greet.sh contains the typo `ecoh hello`. Overwrite greet.sh with the line: echo hello. Hint: echo 'LINE' > FILE",
            '[ "$(bash greet.sh 2>/dev/null | tr -d "[:space:]")" = "hello" ]',
            "sed -i 's/ecoh/echo/' greet.sh",
            {"greet.sh": "ecoh hello\n"},
        )
    )
    t.append(
        Easy(
            "fix-python-print",
            'The file hi.py contains the typo `pritn("hi")`. Overwrite hi.py with the line: print("hi"). Hint: echo \'LINE\' > FILE',
            '[ "$(python3 hi.py 2>/dev/null | tr -d "[:space:]")" = "hi" ]',
            "sed -i 's/pritn/print/' hi.py",
            {"hi.py": 'pritn("hi")\n'},
        )
    )
    t.append(
        Easy(
            "fix-word",
            "The file word.txt contains the typo wrold. Overwrite word.txt with the text: world. Hint: echo TEXT > FILE",
            _same("word.txt", "world"),
            "echo world > word.txt",
            {"word.txt": "wrold\n"},
        )
    )
    t.append(
        Easy(
            "fix-config",
            "The file settings.conf has the typo `debug=flase`. Replace flase with false in it. Hint: sed -i 's/OLD/NEW/' FILE",
            'grep -qx "debug=false" settings.conf',
            "sed -i 's/flase/false/' settings.conf",
            {"settings.conf": "name=app\ndebug=flase\n"},
        )
    )
    return t


@dataclass
class Swe:
    name: str
    module: str
    """File path in the repo, e.g. `textkit/slug.py`."""
    buggy: str
    fixed: str
    issue: str
    fail_to_pass: dict[str, str]
    """test name → body (hidden, in tests/)."""
    pass_to_pass: dict[str, str]
    imports: str


def swe_tasks() -> list[Swe]:
    d = textwrap.dedent
    return [
        Swe(
            "mean-off-by-one",
            "stats/core.py",
            d('''\
            def mean(xs):
                """Arithmetic mean of a non-empty list."""
                return sum(xs) / (len(xs) - 1)


            def total(xs):
                return sum(xs)
            '''),
            d('''\
            def mean(xs):
                """Arithmetic mean of a non-empty list."""
                return sum(xs) / len(xs)


            def total(xs):
                return sum(xs)
            '''),
            "`stats.core.mean([2, 4])` returns 6.0 instead of 3.0. Fix `mean` so it returns the arithmetic mean.",
            {"test_mean_two": "assert mean([2, 4]) == 3.0", "test_mean_one": "assert mean([5]) == 5.0"},
            {"test_total": "assert total([1, 2, 3]) == 6"},
            "from stats.core import mean, total",
        ),
        Swe(
            "slugify-lowercase",
            "textkit/slug.py",
            d('''\
            import re


            def slugify(text):
                """'Hello World!' -> 'hello-world'"""
                words = re.findall(r"[A-Za-z0-9]+", text)
                return "-".join(words)
            '''),
            d('''\
            import re


            def slugify(text):
                """'Hello World!' -> 'hello-world'"""
                words = re.findall(r"[A-Za-z0-9]+", text)
                return "-".join(words).lower()
            '''),
            "`slugify('Hello World!')` returns 'Hello-World' but slugs must be lowercase ('hello-world').",
            {
                "test_lower": "assert slugify('Hello World!') == 'hello-world'",
                "test_mixed": "assert slugify('ABC def 12') == 'abc-def-12'",
            },
            {"test_plain": "assert slugify('a b') == 'a-b'"},
            "from textkit.slug import slugify",
        ),
        Swe(
            "palindrome-case",
            "textkit/pal.py",
            d('''\
            def is_palindrome(s):
                """True if s reads the same backwards, ignoring case and spaces."""
                t = s.replace(" ", "")
                return t == t[::-1]
            '''),
            d('''\
            def is_palindrome(s):
                """True if s reads the same backwards, ignoring case and spaces."""
                t = s.replace(" ", "").lower()
                return t == t[::-1]
            '''),
            "`is_palindrome('Racecar')` returns False; the docstring says case must be ignored.",
            {
                "test_case": "assert is_palindrome('Racecar')",
                "test_phrase": "assert is_palindrome('Never odd or Even')",
            },
            {"test_simple": "assert is_palindrome('abba')", "test_no": "assert not is_palindrome('abc')"},
            "from textkit.pal import is_palindrome",
        ),
        Swe(
            "chunk-drops-tail",
            "listkit/chunk.py",
            d('''\
            def chunk(xs, n):
                """Split xs into lists of length n (the last one may be shorter)."""
                return [xs[i:i + n] for i in range(0, len(xs) - n + 1, n)]
            '''),
            d('''\
            def chunk(xs, n):
                """Split xs into lists of length n (the last one may be shorter)."""
                return [xs[i:i + n] for i in range(0, len(xs), n)]
            '''),
            "`chunk([1, 2, 3, 4, 5], 2)` returns [[1, 2], [3, 4]] and loses the 5; the last chunk may be shorter.",
            {"test_tail": "assert chunk([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]"},
            {
                "test_even": "assert chunk([1, 2, 3, 4], 2) == [[1, 2], [3, 4]]",
                "test_empty": "assert chunk([], 3) == []",
            },
            "from listkit.chunk import chunk",
        ),
        Swe(
            "fizzbuzz-order",
            "games/fizzbuzz.py",
            d("""\
            def fizzbuzz(n):
                if n % 3 == 0:
                    return "Fizz"
                if n % 5 == 0:
                    return "Buzz"
                if n % 15 == 0:
                    return "FizzBuzz"
                return str(n)
            """),
            d("""\
            def fizzbuzz(n):
                if n % 15 == 0:
                    return "FizzBuzz"
                if n % 3 == 0:
                    return "Fizz"
                if n % 5 == 0:
                    return "Buzz"
                return str(n)
            """),
            "`fizzbuzz(15)` returns 'Fizz' instead of 'FizzBuzz'.",
            {"test_15": "assert fizzbuzz(15) == 'FizzBuzz'", "test_30": "assert fizzbuzz(30) == 'FizzBuzz'"},
            {
                "test_3": "assert fizzbuzz(3) == 'Fizz'",
                "test_5": "assert fizzbuzz(5) == 'Buzz'",
                "test_7": "assert fizzbuzz(7) == '7'",
            },
            "from games.fizzbuzz import fizzbuzz",
        ),
        Swe(
            "parse-kv-split",
            "confkit/parse.py",
            d('''\
            def parse_kv(line):
                """'key=value' -> (key, value); the value may itself contain '='."""
                parts = line.split("=")
                return parts[0].strip(), parts[1].strip()
            '''),
            d('''\
            def parse_kv(line):
                """'key=value' -> (key, value); the value may itself contain '='."""
                key, value = line.split("=", 1)
                return key.strip(), value.strip()
            '''),
            "`parse_kv('url=a=b')` returns ('url', 'a'); values containing '=' are cut off.",
            {"test_eq_in_value": "assert parse_kv('url=a=b') == ('url', 'a=b')"},
            {"test_simple": "assert parse_kv(' x = 1 ') == ('x', '1')"},
            "from confkit.parse import parse_kv",
        ),
        Swe(
            "clamp-swapped",
            "numkit/clamp.py",
            d('''\
            def clamp(x, lo, hi):
                """Limit x to the range [lo, hi]."""
                return max(hi, min(lo, x))
            '''),
            d('''\
            def clamp(x, lo, hi):
                """Limit x to the range [lo, hi]."""
                return max(lo, min(hi, x))
            '''),
            "`clamp(5, 0, 10)` returns 10 instead of 5: lo and hi are swapped.",
            {"test_inside": "assert clamp(5, 0, 10) == 5", "test_low": "assert clamp(-3, 0, 10) == 0"},
            {"test_equal": "assert clamp(10, 10, 10) == 10"},
            "from numkit.clamp import clamp",
        ),
        Swe(
            "flatten-deep",
            "listkit/flat.py",
            d('''\
            def flatten(xs):
                """Flatten arbitrarily nested lists: [1, [2, [3]]] -> [1, 2, 3]."""
                out = []
                for x in xs:
                    if isinstance(x, list):
                        out.extend(x)
                    else:
                        out.append(x)
                return out
            '''),
            d('''\
            def flatten(xs):
                """Flatten arbitrarily nested lists: [1, [2, [3]]] -> [1, 2, 3]."""
                out = []
                for x in xs:
                    if isinstance(x, list):
                        out.extend(flatten(x))
                    else:
                        out.append(x)
                return out
            '''),
            "`flatten([1, [2, [3]]])` returns [1, 2, [3]]; nesting deeper than one level is not flattened.",
            {"test_deep": "assert flatten([1, [2, [3, [4]]]]) == [1, 2, 3, 4]"},
            {"test_one_level": "assert flatten([1, [2, 3]]) == [1, 2, 3]", "test_flat": "assert flatten([1]) == [1]"},
            "from listkit.flat import flatten",
        ),
        Swe(
            "roman-subtractive",
            "numkit/roman.py",
            d("""\
            PAIRS = [(1000, "M"), (500, "D"), (100, "C"), (50, "L"), (10, "X"), (5, "V"), (1, "I")]


            def to_roman(n):
                out = ""
                for value, sym in PAIRS:
                    while n >= value:
                        out += sym
                        n -= value
                return out
            """),
            d("""\
            PAIRS = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                     (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


            def to_roman(n):
                out = ""
                for value, sym in PAIRS:
                    while n >= value:
                        out += sym
                        n -= value
                return out
            """),
            "`to_roman(4)` returns 'IIII' instead of 'IV' (subtractive forms like IV, IX, XL, XC, CD, CM are missing).",
            {"test_4": "assert to_roman(4) == 'IV'", "test_1994": "assert to_roman(1994) == 'MCMXCIV'"},
            {"test_3": "assert to_roman(3) == 'III'", "test_2000": "assert to_roman(2000) == 'MM'"},
            "from numkit.roman import to_roman",
        ),
        Swe(
            "bsearch-last",
            "listkit/search.py",
            d('''\
            def index_of(xs, target):
                """Binary search in a sorted list; -1 when absent."""
                lo, hi = 0, len(xs) - 1
                while lo < hi:
                    mid = (lo + hi) // 2
                    if xs[mid] == target:
                        return mid
                    if xs[mid] < target:
                        lo = mid + 1
                    else:
                        hi = mid - 1
                return -1
            '''),
            d('''\
            def index_of(xs, target):
                """Binary search in a sorted list; -1 when absent."""
                lo, hi = 0, len(xs) - 1
                while lo <= hi:
                    mid = (lo + hi) // 2
                    if xs[mid] == target:
                        return mid
                    if xs[mid] < target:
                        lo = mid + 1
                    else:
                        hi = mid - 1
                return -1
            '''),
            "`index_of([1, 3, 5], 5)` returns -1 although 5 is in the list.",
            {"test_last": "assert index_of([1, 3, 5], 5) == 2", "test_single": "assert index_of([7], 7) == 0"},
            {"test_middle": "assert index_of([1, 3, 5], 3) == 1", "test_absent": "assert index_of([1, 3], 2) == -1"},
            "from listkit.search import index_of",
        ),
        Swe(
            "dedupe-order",
            "listkit/dedupe.py",
            d('''\
            def dedupe(xs):
                """Remove duplicates, keeping the first occurrence order."""
                return sorted(set(xs))
            '''),
            d('''\
            def dedupe(xs):
                """Remove duplicates, keeping the first occurrence order."""
                return list(dict.fromkeys(xs))
            '''),
            "`dedupe(['b', 'a', 'b'])` returns ['a', 'b']: the original order is lost; it must return ['b', 'a'].",
            {"test_order": "assert dedupe(['b', 'a', 'b', 'c']) == ['b', 'a', 'c']"},
            {"test_len": "assert len(dedupe([1, 1, 2])) == 2"},
            "from listkit.dedupe import dedupe",
        ),
        Swe(
            "word-count-case",
            "textkit/count.py",
            d('''\
            def word_count(text):
                """Count words case-insensitively: {'the': 2, ...}."""
                counts = {}
                for w in text.split():
                    counts[w] = counts.get(w, 0) + 1
                return counts
            '''),
            d('''\
            def word_count(text):
                """Count words case-insensitively: {'the': 2, ...}."""
                counts = {}
                for w in text.lower().split():
                    counts[w] = counts.get(w, 0) + 1
                return counts
            '''),
            "`word_count('The the')` returns {'The': 1, 'the': 1}; counting must ignore case ({'the': 2}).",
            {"test_case": "assert word_count('The the') == {'the': 2}"},
            {"test_simple": "assert word_count('a b a') == {'a': 2, 'b': 1}"},
            "from textkit.count import word_count",
        ),
    ]


def _write(path: Path, text: str, mode: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mode is not None:
        path.chmod(mode)


def _toml(
    difficulty: str, category: str, tags: list[str], agent_timeout: int, verifier_timeout: int, extra_meta: str = ""
) -> str:
    return TASK_TOML.format(
        difficulty=difficulty,
        category=category,
        tags=json.dumps(tags),
        extra_meta=extra_meta,
        agent_timeout=float(agent_timeout),
        verifier_timeout=float(verifier_timeout),
    )


def write_easy(root: Path) -> int:
    tasks = easy_tasks()
    for t in tasks:
        d = root / t.name
        _write(d / "instruction.md", t.instruction + "\n")
        _write(d / "task.toml", _toml("easy", "shell", ["easy", "bash"], 120, 30))
        copies = "".join(f"COPY files/{n} /app/{n}\n" for n in t.files)
        _write(d / "environment" / "Dockerfile", f"FROM {BASE}\nWORKDIR /app\n{copies}")
        (d / "environment" / "files").mkdir(parents=True, exist_ok=True)
        for n, body in t.files.items():
            _write(d / "environment" / "files" / n, body)
        _write(d / "tests" / "test.sh", f'{ROOT}cd "$R/app"\nok=0\nif {t.check}; then ok=1; fi\n{REWARD_TAIL}', 0o755)
        _write(d / "solution" / "solve.sh", f'{ROOT}set -e\ncd "$R/app"\n{t.solution}\n', 0o755)
    return len(tasks)


def write_swe(root: Path) -> int:
    tasks = swe_tasks()
    for t in tasks:
        d = root / t.name
        pkg = t.module.split("/")[0]
        issue = (
            f"You are working in the Python repository at /app (package `{pkg}`).\n\n"
            f"Bug report: {t.issue}\n\nFix the bug in `{t.module}` without changing its public API. "
            f"Run `python3 -m pytest -q` in /app to check your work.\n"
        )
        meta = f"fail_to_pass = {json.dumps(list(t.fail_to_pass))}\npass_to_pass = {json.dumps(list(t.pass_to_pass))}\n"
        _write(d / "instruction.md", issue)
        _write(d / "task.toml", _toml("medium", "bugfix", ["swe", "python", "pytest"], 300, 60, meta))
        env = d / "environment"
        _write(env / "Dockerfile", f"FROM {BASE_PY}\nWORKDIR /app\nCOPY repo/ /app/\n")
        _write(env / "repo" / pkg / "__init__.py", "")
        _write(env / "repo" / t.module, t.buggy)
        # A visible test the agent can run (one PASS_TO_PASS case), like a repo's own test suite.
        name, body = next(iter(t.pass_to_pass.items()))
        _write(env / "repo" / "tests" / f"test_{pkg}.py", f"{t.imports}\n\n\ndef {name}():\n    {body}\n")
        hidden = "".join(f"\n\ndef {n}():\n    {b}\n" for n, b in {**t.fail_to_pass, **t.pass_to_pass}.items())
        _write(
            d / "tests" / "test_hidden.py",
            f"import os\nimport sys\n\nsys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')\n{t.imports}\n{hidden}",
        )
        ids = " ".join(f'"$R/tests/test_hidden.py::{n}"' for n in [*t.fail_to_pass, *t.pass_to_pass])
        _write(
            d / "tests" / "test.sh",
            f'{ROOT}# FAIL_TO_PASS and PASS_TO_PASS must all pass.\ncd "$R/app"\nok=0\n'
            f"if python3 -m pytest -q -p no:cacheprovider {ids}; then ok=1; fi\n{REWARD_TAIL}",
            0o755,
        )
        _write(
            d / "solution" / "solve.sh",
            f"{ROOT}set -e\ncat > \"$R/app/{t.module}\" <<'SWERL_EOF'\n{t.fixed}SWERL_EOF\n",
            0o755,
        )
    return len(tasks)


def main() -> None:
    for sub, fn in (("easy", write_easy), ("swe-mini", write_swe)):
        root = HERE / sub
        if root.exists():
            shutil.rmtree(root)
        print(f"{sub}: {fn(root)} tasks")


if __name__ == "__main__":
    main()
