"""Generate the shipped Harbor task sets (`tasks/easy/`, `tasks/shell-mid/`, `tasks/swe-mini/`) and their fixed
train/held-out splits (`<set>/split.json`) from the tables below.

One script so every task has the same shape: `instruction.md`, `task.toml`, `environment/Dockerfile`
(`FROM swerl/base…`, no `docker_image` key, so nothing is pulled), `tests/test.sh` (writes
`/logs/verifier/reward.txt`, Harbor 0.25's shared-verifier contract) and `solution/solve.sh`.

    .venv/bin/python tasks/make_tasks.py     # rewrites tasks/easy, tasks/shell-mid, tasks/swe-mini

easy: one-step shell chores a 135M model gets right *sometimes* (checks strip whitespace).
shell-mid: multi-step chores — fix a broken script, transform a CSV/JSON/log file, write a function or script
that a hidden check (in `tests/`, never in the sandbox during the agent's turn) runs on fresh input.
swe-mini: small Python repos with one bug each; hidden pytest tests in `tests/` decide the reward
(all FAIL_TO_PASS and PASS_TO_PASS tests must pass). They need pytest in the image: they build
`FROM swerl/base-py:bookworm` (base + pytest unpacked from host-downloaded wheels; `swerl sandbox build-base`).

split.json: `swerl.models.task_split.TaskSplit.of` (sha256 of the task name, ~25% held out; a task's side depends on
its name only, so adding tasks never moves one). `tasks/<set>` trains on the train split, `tasks/<set>:heldout`
names the held-out one (docs/datasets.md).
"""

from __future__ import annotations

import json
import shlex
import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from swerl.models.task_split import TaskSplit

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
    category: str = "shell"


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
    return t + more_easy_tasks()


def _lines(path: str, *lines: str) -> str:
    """Exact line-by-line content check (trailing spaces and a final newline forgiven)."""
    want = " ".join(shlex.quote(x) for x in lines)
    return f"[ -f {path} ] && [ \"$(sed 's/[[:space:]]*$//' {path})\" = \"$(printf '%s\\n' {want})\" ]"


def more_easy_tasks() -> list[Easy]:
    """Added with the split (issue 17): one command each, but each a different tool or file operation."""
    poem = "roses are red\nviolets are blue\nsugar is sweet\n"
    log = "INFO start\nERROR disk full\nINFO retry\nERROR disk still full\nINFO done\n"
    return [
        Easy(
            "count-lines",
            "Write the number of lines in data.txt into a new file lines.txt (just the number).",
            _same("lines.txt", "5"),
            "wc -l < data.txt > lines.txt",
            {"data.txt": "one\ntwo\nthree\nfour\nfive\n"},
            category="text",
        ),
        Easy(
            "sort-names",
            "Sort the lines of names.txt alphabetically and write the result to sorted.txt.",
            _lines("sorted.txt", "alice", "bob", "carol", "dave"),
            "sort names.txt > sorted.txt",
            {"names.txt": "carol\nalice\ndave\nbob\n"},
            category="text",
        ),
        Easy(
            "uppercase-file",
            "Write the contents of quiet.txt converted to UPPERCASE into loud.txt. Hint: tr",
            'grep -qx "HELLO WORLD" loud.txt',
            "tr '[:lower:]' '[:upper:]' < quiet.txt > loud.txt",
            {"quiet.txt": "hello world\n"},
            category="text",
        ),
        Easy(
            "first-line",
            "Write the first line of poem.txt into first.txt.",
            _lines("first.txt", "roses are red"),
            "head -n 1 poem.txt > first.txt",
            {"poem.txt": poem},
            category="text",
        ),
        Easy(
            "last-line",
            "Write the last line of poem.txt into last.txt.",
            _lines("last.txt", "sugar is sweet"),
            "tail -n 1 poem.txt > last.txt",
            {"poem.txt": poem},
            category="text",
        ),
        Easy(
            "grep-errors",
            "Write every line of app.log that contains ERROR into errors.txt (keep their order).",
            _lines("errors.txt", "ERROR disk full", "ERROR disk still full"),
            "grep ERROR app.log > errors.txt",
            {"app.log": log},
            category="text",
        ),
        Easy(
            "make-executable",
            "Make the script run.sh executable.",
            "[ -f run.sh ] && [ -x run.sh ]",
            "chmod +x run.sh",
            {"run.sh": "#!/bin/bash\necho running\n"},
            category="files",
        ),
        Easy(
            "mkdir-nested",
            "Create the nested directories a/b/c (all three levels).",
            "[ -d a/b/c ]",
            "mkdir -p a/b/c",
            category="files",
        ),
        Easy(
            "move-into-dir",
            "Move the file report.txt into the existing directory archive/.",
            "[ -f archive/report.txt ] && [ ! -e report.txt ] && grep -q q3 archive/report.txt",
            "mv report.txt archive/",
            {"report.txt": "q3 numbers\n", "archive/README": "old reports\n"},
            category="files",
        ),
        Easy(
            "symlink-latest",
            "Create a symbolic link named latest that points to v2.txt.",
            "[ -L latest ] && cmp -s latest v2.txt",
            "ln -s v2.txt latest",
            {"v1.txt": "version 1\n", "v2.txt": "version 2\n"},
            category="files",
        ),
        Easy(
            "delete-logs",
            "Delete every file ending in .log in the current directory; keep all other files.",
            "[ ! -e a.log ] && [ ! -e b.log ] && [ -f keep.txt ] && [ -f notes.md ]",
            "rm -f ./*.log",
            {"a.log": "x\n", "b.log": "y\n", "keep.txt": "keep\n", "notes.md": "# notes\n"},
            category="files",
        ),
        Easy(
            "concat-files",
            "Concatenate part1.txt and then part2.txt into a new file whole.txt.",
            _lines("whole.txt", "once upon a time", "the end"),
            "cat part1.txt part2.txt > whole.txt",
            {"part1.txt": "once upon a time\n", "part2.txt": "the end\n"},
            category="text",
        ),
        Easy(
            "replace-all",
            "In story.txt, replace every occurrence of the word cat with dog (edit the file in place).",
            '[ -f story.txt ] && ! grep -q cat story.txt && [ "$(grep -o dog story.txt | wc -l)" = 3 ]',
            "sed -i 's/cat/dog/g' story.txt",
            {"story.txt": "the cat sat\nmy cat and your cat\n"},
            category="text",
        ),
        Easy(
            "count-matches",
            "How many lines of fruit.txt contain the word apple? Write just the number into apple_count.txt.",
            _same("apple_count.txt", "3"),
            "grep -c apple fruit.txt > apple_count.txt",
            {"fruit.txt": "apple pie\nbanana\ngreen apple\npear\napple\n"},
            category="text",
        ),
        Easy(
            "unique-lines",
            "Write the distinct lines of dupes.txt, sorted, into unique.txt (each line once).",
            _lines("unique.txt", "blue", "green", "red"),
            "sort -u dupes.txt > unique.txt",
            {"dupes.txt": "red\nblue\nred\ngreen\nblue\n"},
            category="text",
        ),
        Easy(
            "file-size",
            "Write the size of blob.txt in bytes into size.txt (just the number).",
            _same("size.txt", "100"),
            "wc -c < blob.txt > size.txt",
            {"blob.txt": "x" * 99 + "\n"},
            category="files",
        ),
        Easy(
            "tar-site",
            "Create a gzip-compressed tar archive named site.tar.gz that contains the directory site/.",
            '[ -f site.tar.gz ] && tar -tzf site.tar.gz | grep -q "site/index.html"',
            "tar -czf site.tar.gz site",
            {"site/index.html": "<h1>hi</h1>\n", "site/style.css": "h1 { color: red }\n"},
            category="files",
        ),
        Easy(
            "json-port",
            'config.json holds a field "port". Write its value into port.txt (just the number).',
            _same("port.txt", "8125"),
            'python3 -c \'import json; print(json.load(open("config.json"))["port"])\' > port.txt',
            {"config.json": '{"name": "statsd", "port": 8125, "debug": false}\n'},
            category="text",
        ),
        Easy(
            "sum-numbers",
            "nums.txt has one integer per line. Write their sum into sum.txt (just the number).",
            _same("sum.txt", "58"),
            "awk '{s += $1} END {print s}' nums.txt > sum.txt",
            {"nums.txt": "10\n-3\n25\n26\n"},
            category="text",
        ),
        Easy(
            "chmod-private",
            "Set the permissions of secret.txt to 600 (read/write for the owner only, nothing for anyone else).",
            '[ -f secret.txt ] && [ "$(stat -c %a secret.txt)" = 600 ]',
            "chmod 600 secret.txt",
            {"secret.txt": "token\n"},
            category="files",
        ),
    ]


@dataclass
class Mid:
    name: str
    category: str
    instruction: str
    check: str
    """bash function body run in /app (hidden: the agent never sees it); exit 0 = solved. `$R/tests/…` holds
    the task's `hidden` files."""
    solution: str
    files: dict[str, str] = field(default_factory=dict)
    hidden: dict[str, str] = field(default_factory=dict)
    """Extra files of tests/ (a check script, data the agent never saw)."""
    tags: list[str] = field(default_factory=list)


def _heredoc(path: str, body: str) -> str:
    return f"cat > {path} <<'SWERL_EOF'\n{body}SWERL_EOF\n"


def _py_check(body: str) -> str:
    """A hidden Python check (tests/check.py) that imports the agent's module from /app; exit 0 = solved."""
    return (
        "import os\nimport sys\n\nsys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')\n\n"
        + textwrap.dedent(body)
    )


PY_CHECK = 'python3 "$R/tests/check.py"'


def _access_log() -> str:
    """A fixed access log: 5 client IPs with 7, 5, 4, 2 and 1 requests, interleaved."""
    counts = {"10.0.0.7": 7, "192.168.1.20": 5, "10.0.0.3": 4, "172.16.0.9": 2, "10.0.0.42": 1}
    paths = ["/", "/login", "/api/items", "/static/app.js", "/about"]
    order = [ip for k in range(7) for ip, c in counts.items() if k < c]
    lines = []
    for n, ip in enumerate(order):
        status = (200, 200, 404, 200, 500, 301)[n % 6]
        lines.append(
            f'{ip} - - [01/Mar/2026:10:{n:02d}:00 +0000] "GET {paths[n % 5]} HTTP/1.1" {status} {100 + 37 * n}'
        )
    return "\n".join(lines) + "\n"


def mid_tasks() -> list[Mid]:
    d = textwrap.dedent
    t: list[Mid] = []
    # --- fix a broken script (run it, read the error, repair it; the check re-runs it on fresh input) ---
    t.append(
        Mid(
            "fix-backup-script",
            "script-fix",
            "backup.sh should copy every .txt file from docs/ into backup/ (creating backup/), but "
            "`bash backup.sh` does not work. Fix backup.sh. It is checked by deleting backup/, adding a new .txt "
            "file to docs/ and running `bash backup.sh` from /app.",
            d("""\
            rm -rf backup
            echo c > docs/c.txt
            bash backup.sh >/dev/null 2>&1 || return 1
            [ -f backup/a.txt ] && [ -f backup/b.txt ] && [ -f backup/c.txt ] && [ ! -e backup/notes.md ] \\
              && cmp -s docs/a.txt backup/a.txt
            """),
            "sed -i 's#doc/#docs/#' backup.sh\n",
            {
                "backup.sh": "#!/bin/bash\n# Copy every .txt file from docs/ into backup/.\nmkdir -p backup\n"
                'for f in doc/*.txt; do\n  cp "$f" backup/\ndone\n',
                "docs/a.txt": "alpha\n",
                "docs/b.txt": "beta\n",
                "docs/notes.md": "# not a txt\n",
            },
        )
    )
    t.append(
        Mid(
            "fix-greet-args",
            "script-fix",
            "`bash greet.sh NAME` should print `Hello, NAME!` (NAME may contain spaces when quoted), but it prints "
            "`Hello, !`. Fix greet.sh.",
            d("""\
            [ "$(bash greet.sh Ada)" = "Hello, Ada!" ] && [ "$(bash greet.sh 'Grace Hopper')" = "Hello, Grace Hopper!" ]
            """),
            'sed -i \'s/"\\$2"/"$1"/\' greet.sh\n',
            {"greet.sh": '#!/bin/bash\n# Usage: greet.sh NAME\nname="$2"\necho "Hello, $name!"\n'},
        )
    )
    t.append(
        Mid(
            "fix-exit-code",
            "script-fix",
            "`bash require.sh FILE` must exit 0 when FILE exists, and otherwise print `missing: FILE` to stderr "
            "and exit 1. Right now it always exits 0. Fix require.sh.",
            d("""\
            bash require.sh require.sh || return 1
            if bash require.sh /nonexistent/file 2>/dev/null; then return 1; fi
            [ "$(bash require.sh nope 2>&1 >/dev/null)" = "missing: nope" ]
            """),
            _heredoc(
                "require.sh",
                '#!/bin/bash\n# Usage: require.sh FILE\nif [ -e "$1" ]; then\n  exit 0\nfi\n'
                'echo "missing: $1" >&2\nexit 1\n',
            ),
            {
                "require.sh": '#!/bin/bash\n# Usage: require.sh FILE\nif [ -e "$1" ]; then\n  exit 0\nfi\n'
                'echo "missing: $1" >&2\nexit 0\n'
            },
        )
    )
    report_fixed = d("""\
        import sys


        def summarize(path):
            total = 0
            count = 0
            with open(path) as f:
                for line in f:
                    total += int(line)
                    count += 1
            return total, count


        total, count = summarize(sys.argv[1])
        print(f"{count} numbers, total {total}")
        """)
    t.append(
        Mid(
            "fix-python-indent",
            "script-fix",
            "`python3 report.py nums.txt` should print `<count> numbers, total <sum>` for a file with one integer "
            "per line, but it crashes. Fix report.py (it is checked on other input files too).",
            '[ "$(python3 report.py "$R/tests/more.txt")" = "4 numbers, total 100" ] && '
            '[ "$(python3 report.py nums.txt)" = "3 numbers, total 12" ]\n',
            _heredoc("report.py", report_fixed),
            {
                "report.py": report_fixed.replace("            count += 1", "          count += 1"),
                "nums.txt": "3\n4\n5\n",
            },
            {"more.txt": "40\n30\n20\n10\n"},
        )
    )
    to_json_fixed = d("""\
        import csv
        import json
        import sys

        rows = []
        with open(sys.argv[1], newline="") as f:
            for row in csv.DictReader(f):
                rows.append({"name": row["name"], "score": int(row["score"])})
        print(json.dumps(rows))
        """)
    t.append(
        Mid(
            "fix-csv-to-json-script",
            "script-fix",
            '`python3 to_json.py scores.csv` should print the rows as a JSON list like [{"name": "ann", "score": 3}] '
            "(score as an integer, rows in file order). It crashes. Fix to_json.py.",
            d("""\
            out="$(python3 to_json.py "$R/tests/hidden.csv")" || return 1
            python3 -c 'import json, sys; assert json.loads(sys.argv[1]) == [{"name": "zed", "score": 10}, {"name": "amy", "score": 7}]' "$out"
            """),
            _heredoc("to_json.py", to_json_fixed),
            {
                "to_json.py": to_json_fixed.replace("import json\n", "").replace('int(row["score"])', 'row["score"]'),
                "scores.csv": "name,score\nann,3\nbob,5\n",
            },
            {"hidden.csv": "name,score\nzed,10\namy,7\n"},
        )
    )
    t.append(
        Mid(
            "fix-spaces-loop",
            "script-fix",
            "`bash count_lines.sh DIR` should print `<lines> <file name>` for every .txt file in DIR, sorted by "
            "name. It breaks on file names that contain spaces. Fix count_lines.sh.",
            d("""\
            d="$(mktemp -d)"
            printf 'a\\nb\\n' > "$d/my notes.txt"
            printf 'x\\n' > "$d/z.txt"
            printf 'y\\n' > "$d/skip.md"
            [ "$(bash count_lines.sh "$d")" = "$(printf '2 my notes.txt\\n1 z.txt')" ]
            """),
            _heredoc(
                "count_lines.sh",
                '#!/bin/bash\n# Usage: count_lines.sh DIR\nfor f in "$1"/*.txt; do\n'
                '  echo "$(wc -l < "$f") $(basename "$f")"\ndone\n',
            ),
            {
                "count_lines.sh": '#!/bin/bash\n# Usage: count_lines.sh DIR\nfor f in $(ls "$1"/*.txt); do\n'
                '  echo "$(wc -l < $f) $(basename $f)"\ndone\n',
                "sample/one.txt": "1\n",
                "sample/two.txt": "1\n2\n",
            },
        )
    )
    # --- transform data files (CSV, JSON, logs, INI) ---
    t.append(
        Mid(
            "csv-region-totals",
            "data",
            "sales.csv has columns region,amount. Write totals.csv with the header `region,total` and one row per "
            "region holding the sum of its amounts, rows sorted by region name.",
            _lines("totals.csv", "region,total", "east,3", "north,17", "south,17") + "\n",
            "{ echo region,total; tail -n +2 sales.csv | awk -F, '{s[$1] += $2} END {for (r in s) print r \",\" s[r]}' "
            "| sort; } > totals.csv\n",
            {"sales.csv": "region,amount\nnorth,10\nsouth,5\nnorth,7\neast,3\nsouth,12\n"},
        )
    )
    t.append(
        Mid(
            "csv-filter-adults",
            "data",
            "people.csv has columns name,age,city. Write adults.csv: the same header, then only the rows with "
            "age 18 or more, in their original order.",
            _lines("adults.csv", "name,age,city", "ana,34,lima", "cy,18,oslo", "eve,70,rome") + "\n",
            "awk -F, 'NR == 1 || $2 >= 18' people.csv > adults.csv\n",
            {"people.csv": "name,age,city\nana,34,lima\nben,17,kyiv\ncy,18,oslo\ndee,9,cairo\neve,70,rome\n"},
        )
    )
    t.append(
        Mid(
            "csv-to-json",
            "data",
            "Convert inventory.csv (columns sku,name,qty; some names are quoted because they contain commas) into "
            "inventory.json: a JSON list of objects with keys sku, name and qty (qty as an integer), in file order.",
            PY_CHECK + "\n",
            "python3 - <<'SWERL_EOF'\nimport csv, json\nrows = [dict(r, qty=int(r['qty'])) for r in "
            "csv.DictReader(open('inventory.csv', newline=''))]\njson.dump(rows, open('inventory.json', 'w'))\n"
            "SWERL_EOF\n",
            {"inventory.csv": 'sku,name,qty\nA1,bolt,120\nB2,"widget, large",7\nC3,nut,0\n'},
            {
                "check.py": _py_check("""\
                import json

                want = [
                    {"sku": "A1", "name": "bolt", "qty": 120},
                    {"sku": "B2", "name": "widget, large", "qty": 7},
                    {"sku": "C3", "name": "nut", "qty": 0},
                ]
                sys.exit(0 if json.load(open("inventory.json")) == want else 1)
                """)
            },
        )
    )
    users = [
        {"id": 3, "name": "Cleo", "email": "cleo@example.com", "active": True},
        {"id": 1, "name": "Abe", "email": "abe@example.com", "active": True},
        {"id": 4, "name": "Dora", "email": "dora@example.com", "active": False},
        {"id": 2, "name": "Bo", "email": "bo@example.com", "active": True},
    ]
    t.append(
        Mid(
            "json-to-csv",
            "data",
            "users.json is a list of user objects. Write active_users.csv with the header `id,name,email` and one "
            "row per user whose `active` is true, sorted by id.",
            _lines(
                "active_users.csv",
                "id,name,email",
                "1,Abe,abe@example.com",
                "2,Bo,bo@example.com",
                "3,Cleo,cleo@example.com",
            )
            + "\n",
            "python3 - <<'SWERL_EOF'\nimport json\nus = sorted((u for u in json.load(open('users.json')) if u['active']),"
            " key=lambda u: u['id'])\nwith open('active_users.csv', 'w') as f:\n    f.write('id,name,email\\n')\n"
            "    for u in us:\n        f.write(f\"{u['id']},{u['name']},{u['email']}\\n\")\nSWERL_EOF\n",
            {"users.json": json.dumps(users, indent=2) + "\n"},
        )
    )
    t.append(
        Mid(
            "log-top-ips",
            "logs",
            "access.log is a web server log (the client IP is the first field). Write top3.txt: the 3 IPs with "
            "the most requests, most requests first, one per line as `COUNT IP`.",
            _lines("top3.txt", "7 10.0.0.7", "5 192.168.1.20", "4 10.0.0.3") + "\n",
            "awk '{print $1}' access.log | sort | uniq -c | sort -rn | head -n 3 | awk '{print $1, $2}' > top3.txt\n",
            {"access.log": _access_log()},
        )
    )
    events = [
        {"level": lv, "msg": f"event {n}"}
        for n, lv in enumerate(["info", "warn", "info", "error", "info", "debug", "warn", "info", "error", "info"])
    ]
    t.append(
        Mid(
            "jsonl-level-counts",
            "logs",
            "events.jsonl holds one JSON object per line, each with a `level` field. Write level_counts.txt with one "
            "line `LEVEL COUNT` per level that occurs, sorted by level name.",
            _lines("level_counts.txt", "debug 1", "error 2", "info 5", "warn 2") + "\n",
            "python3 - <<'SWERL_EOF'\nimport collections, json\nc = collections.Counter(json.loads(l)['level'] "
            "for l in open('events.jsonl') if l.strip())\nopen('level_counts.txt', 'w').write(''.join(f'{k} {v}\\n' "
            "for k, v in sorted(c.items())))\nSWERL_EOF\n",
            {"events.jsonl": "".join(json.dumps(e) + "\n" for e in events)},
        )
    )
    t.append(
        Mid(
            "ini-to-env",
            "config",
            "Turn settings.ini into an env file app.env: one line `SECTION_KEY=value` per setting (section and key "
            "upper-cased, joined by an underscore, no spaces around `=`), in the order they appear in the file.",
            _lines("app.env", "DB_HOST=localhost", "DB_PORT=5432", "CACHE_TTL=60", "CACHE_BACKEND=redis") + "\n",
            "python3 - <<'SWERL_EOF'\nimport configparser\nc = configparser.ConfigParser()\nc.read('settings.ini')\n"
            "with open('app.env', 'w') as f:\n    for s in c.sections():\n        for k, v in c[s].items():\n"
            "            f.write(f'{s.upper()}_{k.upper()}={v}\\n')\nSWERL_EOF\n",
            {"settings.ini": "[db]\nhost = localhost\nport = 5432\n\n[cache]\nttl = 60\nbackend = redis\n"},
        )
    )
    t.append(
        Mid(
            "dedupe-emails",
            "data",
            "emails.txt has one address per line, with stray spaces, mixed case, blank lines and duplicates. Write "
            "clean.txt: each distinct address once, lower-cased and trimmed, sorted.",
            _lines("clean.txt", "ada@lovelace.org", "alan@turing.uk", "grace@navy.mil") + "\n",
            "tr '[:upper:]' '[:lower:]' < emails.txt | sed 's/^[[:space:]]*//; s/[[:space:]]*$//' | grep -v '^$' "
            "| sort -u > clean.txt\n",
            {
                "emails.txt": "  Ada@Lovelace.org\ngrace@navy.mil\n\nALAN@turing.uk  \nada@lovelace.org\nGrace@Navy.mil\n"
            },
        )
    )
    t.append(
        Mid(
            "join-orders",
            "data",
            "orders.csv has order_id,customer_id,amount and customers.csv has customer_id,name. Write report.csv "
            "with the header `order_id,name,amount` and one row per order (the customer's name instead of its id), "
            "sorted by order_id as a number.",
            _lines("report.csv", "order_id,name,amount", "2,lin,15", "9,ola,4", "10,lin,30", "11,raj,8") + "\n",
            "python3 - <<'SWERL_EOF'\nimport csv\nnames = {r['customer_id']: r['name'] for r in "
            "csv.DictReader(open('customers.csv'))}\nrows = sorted(csv.DictReader(open('orders.csv')), "
            "key=lambda r: int(r['order_id']))\nwith open('report.csv', 'w') as f:\n"
            "    f.write('order_id,name,amount\\n')\n    for r in rows:\n"
            "        f.write(f\"{r['order_id']},{names[r['customer_id']]},{r['amount']}\\n\")\nSWERL_EOF\n",
            {
                "orders.csv": "order_id,customer_id,amount\n10,c1,30\n2,c1,15\n11,c3,8\n9,c2,4\n",
                "customers.csv": "customer_id,name\nc1,lin\nc2,ola\nc3,raj\n",
            },
        )
    )
    t.append(
        Mid(
            "transpose-matrix",
            "data",
            "matrix.txt holds a matrix, one row per line, numbers separated by single spaces. Write its transpose "
            "to transposed.txt in the same format (rows become columns).",
            _lines("transposed.txt", "1 5 9", "2 6 10", "3 7 11", "4 8 12") + "\n",
            'python3 -c \'rows = [l.split() for l in open("matrix.txt") if l.strip()]; '
            'open("transposed.txt", "w").write("".join(" ".join(c) + "\\n" for c in zip(*rows)))\'\n',
            {"matrix.txt": "1 2 3 4\n5 6 7 8\n9 10 11 12\n"},
        )
    )
    t.append(
        Mid(
            "sqlite-load-query",
            "data",
            "Load schema.sql into a new SQLite database file shop.db (python3's sqlite3 module is available), then "
            "write the number of orders whose total is greater than 100 into answer.txt (just the number).",
            'python3 -c \'import sqlite3; assert sqlite3.connect("shop.db").execute("select count(*) from orders")'
            ".fetchone()[0] == 6' 2>/dev/null && " + _same("answer.txt", "3") + "\n",
            "python3 - <<'SWERL_EOF'\nimport sqlite3\ndb = sqlite3.connect('shop.db')\n"
            "db.executescript(open('schema.sql').read())\ndb.commit()\n"
            "n = db.execute('select count(*) from orders where total > 100').fetchone()[0]\n"
            "open('answer.txt', 'w').write(f'{n}\\n')\nSWERL_EOF\n",
            {
                "schema.sql": "create table orders (id integer primary key, customer text, total real);\n"
                + "".join(
                    f"insert into orders values ({i}, '{c}', {v});\n"
                    for i, (c, v) in enumerate(
                        [("ann", 250.0), ("bob", 99.5), ("cid", 100.0), ("ann", 101.25), ("dee", 12.0), ("eli", 500.0)],
                        1,
                    )
                )
            },
        )
    )
    # --- write a function into a file; a hidden check imports and exercises it ---
    t.append(
        Mid(
            "write-is-prime",
            "write-code",
            "Create primes.py defining `is_prime(n)` (True for primes; numbers below 2 are not prime) and "
            "`primes_up_to(n)` (the list of all primes <= n, ascending).",
            PY_CHECK + "\n",
            _heredoc(
                "primes.py",
                "def is_prime(n):\n    if n < 2:\n        return False\n    i = 2\n    while i * i <= n:\n"
                "        if n % i == 0:\n            return False\n        i += 1\n    return True\n\n\n"
                "def primes_up_to(n):\n    return [k for k in range(2, n + 1) if is_prime(k)]\n",
            ),
            hidden={
                "check.py": _py_check("""\
                from primes import is_prime, primes_up_to

                assert [n for n in range(-3, 30) if is_prime(n)] == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
                assert is_prime(7919) and not is_prime(7917) and not is_prime(1)
                assert primes_up_to(20) == [2, 3, 5, 7, 11, 13, 17, 19] and primes_up_to(1) == []
                """)
            },
        )
    )
    t.append(
        Mid(
            "write-parse-duration",
            "write-code",
            'Create duration.py defining `parse_duration(s)`: "1h30m" -> 5400 seconds. The string has hours (h), '
            'minutes (m) and seconds (s) parts in that order, each optional but at least one present ("45s", '
            '"2h", "1h5s"). Raise ValueError for anything else (e.g. "", "5x", "m5").',
            PY_CHECK + "\n",
            _heredoc(
                "duration.py",
                "import re\n\n\ndef parse_duration(s):\n"
                '    m = re.fullmatch(r"(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?", s)\n'
                '    if not s or m is None:\n        raise ValueError(f"bad duration: {s!r}")\n'
                "    h, mi, se = (int(g) if g else 0 for g in m.groups())\n    return h * 3600 + mi * 60 + se\n",
            ),
            hidden={
                "check.py": _py_check("""\
                from duration import parse_duration

                assert parse_duration("1h30m") == 5400
                assert parse_duration("45s") == 45 and parse_duration("2h") == 7200 and parse_duration("1h5s") == 3605
                assert parse_duration("10m") == 600
                for bad in ("", "5x", "m5", "1m1h"):
                    try:
                        parse_duration(bad)
                    except ValueError:
                        continue
                    raise AssertionError(f"no ValueError for {bad!r}")
                """)
            },
        )
    )
    t.append(
        Mid(
            "write-caesar",
            "write-code",
            "Create cipher.py defining `encode(text, shift)` (shift every letter forward in the alphabet by shift, "
            "wrapping z to a, keeping case; other characters unchanged) and `decode(text, shift)` (its inverse).",
            PY_CHECK + "\n",
            _heredoc(
                "cipher.py",
                "def _shift(c, k):\n    for base in ('a', 'A'):\n        o = ord(base)\n"
                "        if o <= ord(c) < o + 26:\n            return chr(o + (ord(c) - o + k) % 26)\n    return c\n\n\n"
                "def encode(text, shift):\n    return ''.join(_shift(c, shift) for c in text)\n\n\n"
                "def decode(text, shift):\n    return encode(text, -shift)\n",
            ),
            hidden={
                "check.py": _py_check("""\
                from cipher import decode, encode

                assert encode("abc xyz", 3) == "def abc"
                assert encode("Hello, World!", 13) == "Uryyb, Jbeyq!"
                assert decode(encode("Mixed Case 123", 7), 7) == "Mixed Case 123"
                assert encode("a", 27) == "b"
                """)
            },
        )
    )
    t.append(
        Mid(
            "write-rle",
            "write-code",
            'Create rle.py with run-length coding: `encode("aaabcc")` returns "3a1b2c" and `decode("3a1b2c")` '
            'returns "aaabcc". Counts may have several digits ("12x"); the empty string maps to the empty string.',
            PY_CHECK + "\n",
            _heredoc(
                "rle.py",
                "import itertools\nimport re\n\n\ndef encode(s):\n"
                "    return ''.join(f'{len(list(g))}{c}' for c, g in itertools.groupby(s))\n\n\n"
                "def decode(s):\n    return ''.join(c * int(n) for n, c in re.findall(r'(\\d+)(\\D)', s))\n",
            ),
            hidden={
                "check.py": _py_check("""\
                from rle import decode, encode

                assert encode("aaabcc") == "3a1b2c" and decode("3a1b2c") == "aaabcc"
                assert encode("x" * 12 + "y") == "12x1y" and decode("12x1y") == "x" * 12 + "y"
                assert encode("") == "" and decode("") == ""
                assert decode(encode("abba  z")) == "abba  z"
                """)
            },
        )
    )
    t.append(
        Mid(
            "write-balanced",
            "write-code",
            "Create brackets.py defining `is_balanced(s)`: True when every (, [ and { in s is closed by the matching "
            "bracket in the right order; all other characters are ignored.",
            PY_CHECK + "\n",
            _heredoc(
                "brackets.py",
                "def is_balanced(s):\n    pairs = {')': '(', ']': '[', '}': '{'}\n    stack = []\n    for c in s:\n"
                "        if c in '([{':\n            stack.append(c)\n        elif c in pairs:\n"
                "            if not stack or stack.pop() != pairs[c]:\n                return False\n"
                "    return not stack\n",
            ),
            hidden={
                "check.py": _py_check("""\
                from brackets import is_balanced

                for s in ("", "()", "([]{})", "f(a[1], {b: 2})", "no brackets"):
                    assert is_balanced(s), s
                for s in ("(", ")(", "([)]", "{[}", "(()"):
                    assert not is_balanced(s), s
                """)
            },
        )
    )
    t.append(
        Mid(
            "write-bash-functions",
            "write-code",
            "Create mathlib.sh that defines two bash functions (it is `source`d, so it must only define them): "
            "`max_of` prints the largest of its integer arguments and `sum_of` prints the sum of its integer "
            "arguments. Example: `max_of 3 9 -2` prints 9.",
            d("""\
            [ -f mathlib.sh ] || return 1
            source ./mathlib.sh >/dev/null 2>&1 || return 1
            [ "$(max_of 3 9 -2)" = 9 ] && [ "$(max_of -5 -7)" = -5 ] && [ "$(sum_of 1 2 3 4)" = 10 ] \\
              && [ "$(sum_of -3 3 7)" = 7 ]
            """),
            _heredoc(
                "mathlib.sh",
                'max_of() {\n  local m="$1" x\n  for x in "$@"; do\n    if [ "$x" -gt "$m" ]; then m="$x"; fi\n'
                '  done\n  echo "$m"\n}\n\nsum_of() {\n  local s=0 x\n  for x in "$@"; do\n    s=$((s + x))\n'
                '  done\n  echo "$s"\n}\n',
            ),
        )
    )
    t.append(
        Mid(
            "write-wordcount-cli",
            "write-code",
            "Create an executable script wordcount.sh: `./wordcount.sh FILE` prints the number of words in FILE "
            "(only the number, nothing else).",
            '[ -x wordcount.sh ] && [ "$(./wordcount.sh "$R/tests/sample.txt" | tr -d "[:space:]")" = 9 ] '
            '&& [ "$(./wordcount.sh words.txt | tr -d "[:space:]")" = 2 ]\n',
            "printf '#!/bin/bash\\nwc -w < \"$1\"\\n' > wordcount.sh\nchmod +x wordcount.sh\n",
            {"words.txt": "hello world\n"},
            {"sample.txt": "the quick brown fox\njumps over\n\nthe lazy dog\n"},
        )
    )
    # --- several file operations ---
    t.append(
        Mid(
            "organize-by-extension",
            "files",
            "Sort the files in inbox/: move every .jpg file into images/, every .txt file into docs/ and every .csv "
            "file into data/ (create the directories). inbox/ must end up empty.",
            d("""\
            [ -f images/cat.jpg ] && [ -f images/dog.jpg ] && [ -f docs/notes.txt ] && [ -f docs/todo.txt ] \\
              && [ -f data/sales.csv ] && [ -d inbox ] && [ -z "$(ls -A inbox)" ] && grep -q meow images/cat.jpg
            """),
            "mkdir -p images docs data\nmv inbox/*.jpg images/\nmv inbox/*.txt docs/\nmv inbox/*.csv data/\n",
            {
                "inbox/cat.jpg": "meow\n",
                "inbox/dog.jpg": "woof\n",
                "inbox/notes.txt": "n\n",
                "inbox/todo.txt": "t\n",
                "inbox/sales.csv": "a,b\n",
            },
        )
    )
    t.append(
        Mid(
            "lowercase-names",
            "files",
            "Rename every file in photos/ to its all-lowercase name (e.g. IMG_01.JPG -> img_01.jpg). Keep the "
            "contents.",
            '[ "$(ls photos | tr "\\n" " ")" = "beach.png img_01.jpg sunset.jpg " ] && grep -q sand photos/beach.png\n',
            'cd photos\nfor f in *; do\n  l="$(echo "$f" | tr "[:upper:]" "[:lower:]")"\n'
            '  [ "$f" = "$l" ] || mv "$f" "$l"\ndone\n',
            {"photos/IMG_01.JPG": "img\n", "photos/Beach.Png": "sand\n", "photos/sunset.jpg": "sun\n"},
        )
    )
    t.append(
        Mid(
            "find-largest",
            "files",
            "Find the largest file (in bytes) anywhere under data/ and write its path relative to /app (for example "
            "data/x/y.txt) into largest.txt.",
            _lines("largest.txt", "data/raw/2026/big.csv") + "\n",
            "find data -type f -printf '%s %p\\n' | sort -n | tail -n 1 | cut -d' ' -f2 > largest.txt\n",
            {
                "data/a.txt": "a" * 300 + "\n",
                "data/raw/small.csv": "1,2\n",
                "data/raw/2026/big.csv": "9,9,9\n" * 80,
                "data/raw/2026/mid.csv": "1\n" * 100,
            },
        )
    )
    t.append(
        Mid(
            "patch-config",
            "config",
            "Edit app.conf: change port to 8080, change workers to 4, and add the line log_level=info at the end. "
            "Keep the comment and every other line as it is, in the same order.",
            _lines("app.conf", "# app settings", "name=shop", "port=8080", "workers=4", "timeout=30", "log_level=info")
            + "\n",
            "sed -i 's/^port=.*/port=8080/; s/^workers=.*/workers=4/' app.conf\necho log_level=info >> app.conf\n",
            {"app.conf": "# app settings\nname=shop\nport=80\nworkers=2\ntimeout=30\n"},
        )
    )
    t.append(
        Mid(
            "collect-todos",
            "files",
            "Collect the TODO comments under src/ into todos.txt: one line `PATH:LINE:TEXT` per comment containing "
            "`TODO: `, where TEXT is what follows `TODO: `, sorted by path and then by line number.",
            _lines(
                "todos.txt", "src/app.py:2:handle errors", "src/app.py:5:log the result", "src/util/io.py:3:close it"
            )
            + "\n",
            "grep -rn 'TODO: ' src | sed 's/:[^:]*TODO: /:/' | sort -t: -k1,1 -k2,2n > todos.txt\n",
            {
                "src/app.py": "def main():\n    # TODO: handle errors\n    x = 1\n    y = x + 1\n"
                "    # TODO: log the result\n    return y\n",
                "src/util/io.py": "def read(p):\n    f = open(p)\n    # TODO: close it\n    return f.read()\n",
                "src/done.py": "# nothing to do here\n",
            },
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
    extra: dict[str, str] = field(default_factory=dict)
    """Other (correct) modules of the repo, path → source."""


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
    ] + more_swe_tasks()


def more_swe_tasks() -> list[Swe]:
    """Added with the split (issue 17): other bug kinds (wrong formula, missing case, mutation, wrong exception,
    state), some in classes, some in a module that uses a correct helper module of the same package."""
    d = textwrap.dedent
    return [
        Swe(
            "median-even",
            "stats/median.py",
            d('''\
            def median(xs):
                """Median of a non-empty list; the mean of the two middle values when the length is even."""
                s = sorted(xs)
                return s[len(s) // 2]
            '''),
            d('''\
            def median(xs):
                """Median of a non-empty list; the mean of the two middle values when the length is even."""
                s = sorted(xs)
                mid = len(s) // 2
                if len(s) % 2:
                    return s[mid]
                return (s[mid - 1] + s[mid]) / 2
            '''),
            "`median([4, 1, 3, 2])` returns 3 instead of 2.5: for an even number of values it must average the two "
            "middle ones.",
            {"test_even": "assert median([4, 1, 3, 2]) == 2.5", "test_two": "assert median([1, 2]) == 1.5"},
            {"test_odd": "assert median([3, 1, 2]) == 2", "test_one": "assert median([7]) == 7"},
            "from stats.median import median",
        ),
        Swe(
            "title-case-spaces",
            "textkit/title.py",
            d('''\
            def title_case(text):
                """Capitalize the first letter of every word; runs of spaces are kept as they are."""
                return " ".join(w[0].upper() + w[1:] for w in text.split(" "))
            '''),
            d('''\
            def title_case(text):
                """Capitalize the first letter of every word; runs of spaces are kept as they are."""
                return " ".join(w[:1].upper() + w[1:] for w in text.split(" "))
            '''),
            "`title_case('hello  world')` (two spaces) raises IndexError; runs of spaces must be kept: 'Hello  World'.",
            {
                "test_double_space": "assert title_case('hello  world') == 'Hello  World'",
                "test_trailing": "assert title_case('a ') == 'A '",
            },
            {"test_simple": "assert title_case('big red dog') == 'Big Red Dog'"},
            "from textkit.title import title_case",
        ),
        Swe(
            "merge-mutates",
            "confkit/merge.py",
            d('''\
            def merged(defaults, overrides):
                """A new dict: defaults updated with overrides. Neither argument is modified."""
                out = defaults
                out.update(overrides)
                return out
            '''),
            d('''\
            def merged(defaults, overrides):
                """A new dict: defaults updated with overrides. Neither argument is modified."""
                out = dict(defaults)
                out.update(overrides)
                return out
            '''),
            "`merged(defaults, overrides)` changes `defaults` in place, so a second call sees the first call's "
            "overrides. It must return a new dict and leave its arguments alone.",
            {
                "test_defaults_untouched": "base = {'a': 1}\n    merged(base, {'a': 2})\n    assert base == {'a': 1}",
                "test_not_same_object": "base = {}\n    assert merged(base, {}) is not base",
            },
            {"test_values": "assert merged({'a': 1, 'b': 2}, {'b': 3}) == {'a': 1, 'b': 3}"},
            "from confkit.merge import merged",
        ),
        Swe(
            "shared-default-list",
            "listkit/tags.py",
            d('''\
            def add_tag(tag, tags=[]):
                """Return tags plus tag (a new list when tags is not given)."""
                tags.append(tag)
                return tags
            '''),
            d('''\
            def add_tag(tag, tags=None):
                """Return tags plus tag (a new list when tags is not given)."""
                tags = [] if tags is None else tags
                tags.append(tag)
                return tags
            '''),
            "Calling `add_tag('a')` and then `add_tag('b')` returns ['a', 'b'] the second time; without a `tags` "
            "argument every call must start from an empty list.",
            {"test_fresh_each_call": "add_tag('a')\n    assert add_tag('b') == ['b']"},
            {"test_given_list": "xs = ['x']\n    assert add_tag('y', xs) == ['x', 'y'] and xs == ['x', 'y']"},
            "from listkit.tags import add_tag",
        ),
        Swe(
            "leap-century",
            "datekit/leap.py",
            d('''\
            def is_leap(year):
                """Gregorian leap year."""
                return year % 4 == 0
            '''),
            d('''\
            def is_leap(year):
                """Gregorian leap year."""
                return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
            '''),
            "`is_leap(1900)` returns True, but century years are leap years only when divisible by 400 (2000 is, "
            "1900 is not).",
            {"test_1900": "assert not is_leap(1900)", "test_2100": "assert not is_leap(2100)"},
            {
                "test_2000": "assert is_leap(2000)",
                "test_2024": "assert is_leap(2024)",
                "test_2023": "assert not is_leap(2023)",
            },
            "from datekit.leap import is_leap",
        ),
        Swe(
            "fahrenheit-formula",
            "numkit/temp.py",
            d("""\
            def to_fahrenheit(c):
                return c * 5 / 9 + 32


            def to_celsius(f):
                return (f - 32) * 5 / 9
            """),
            d("""\
            def to_fahrenheit(c):
                return c * 9 / 5 + 32


            def to_celsius(f):
                return (f - 32) * 5 / 9
            """),
            "`to_fahrenheit(100)` returns 87.77… instead of 212.0; the conversion factor is inverted.",
            {"test_boil": "assert to_fahrenheit(100) == 212.0", "test_minus40": "assert to_fahrenheit(-40) == -40.0"},
            {"test_freeze": "assert to_fahrenheit(0) == 32", "test_celsius": "assert to_celsius(212) == 100"},
            "from numkit.temp import to_celsius, to_fahrenheit",
        ),
        Swe(
            "safe-div-exception",
            "numkit/safe.py",
            d('''\
            def safe_div(a, b, default=None):
                """a / b, or default when b is zero."""
                try:
                    return a / b
                except ValueError:
                    return default
            '''),
            d('''\
            def safe_div(a, b, default=None):
                """a / b, or default when b is zero."""
                try:
                    return a / b
                except ZeroDivisionError:
                    return default
            '''),
            "`safe_div(1, 0)` raises ZeroDivisionError instead of returning the default.",
            {
                "test_zero": "assert safe_div(1, 0) is None",
                "test_zero_default": "assert safe_div(1, 0, default=0) == 0",
            },
            {"test_normal": "assert safe_div(6, 3) == 2"},
            "from numkit.safe import safe_div",
        ),
        Swe(
            "ini-comments",
            "confkit/ini.py",
            d('''\
            def parse(text):
                """'key = value' lines -> dict; blank lines and lines starting with # or ; are ignored."""
                out = {}
                for line in text.splitlines():
                    line = line.strip()
                    if not line:
                        continue
                    key, _, value = line.partition("=")
                    out[key.strip()] = value.strip()
                return out
            '''),
            d('''\
            def parse(text):
                """'key = value' lines -> dict; blank lines and lines starting with # or ; are ignored."""
                out = {}
                for line in text.splitlines():
                    line = line.strip()
                    if not line or line.startswith(("#", ";")):
                        continue
                    key, _, value = line.partition("=")
                    out[key.strip()] = value.strip()
                return out
            '''),
            "`parse('# comment\\nx = 1')` returns {'# comment': '', 'x': '1'}: comment lines (# or ;) must be skipped.",
            {
                "test_hash": "assert parse('# c\\nx = 1') == {'x': '1'}",
                "test_semicolon": "assert parse('; c\\n  ; d\\ny=2') == {'y': '2'}",
            },
            {"test_plain": "assert parse('a=1\\n\\nb = 2') == {'a': '1', 'b': '2'}"},
            "from confkit.ini import parse",
        ),
        Swe(
            "snake-case-leading",
            "textkit/case.py",
            d('''\
            import re


            def snake_case(name):
                """'CamelCase' -> 'camel_case', 'getHTTPResponse' -> 'get_http_response'."""
                s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"_\\1_\\2", name)
                s = re.sub(r"([a-z0-9])([A-Z])", r"\\1_\\2", s)
                return s.lower()
            '''),
            d('''\
            import re


            def snake_case(name):
                """'CamelCase' -> 'camel_case', 'getHTTPResponse' -> 'get_http_response'."""
                s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\\1_\\2", name)
                s = re.sub(r"([a-z0-9])([A-Z])", r"\\1_\\2", s)
                return s.lower()
            '''),
            "`snake_case('HTTPServer')` returns '_http_server': a name that starts with an acronym gets a leading "
            "underscore (want 'http_server').",
            {
                "test_acronym_start": "assert snake_case('HTTPServer') == 'http_server'",
                "test_xml": "assert snake_case('XMLParser') == 'xml_parser'",
            },
            {
                "test_camel": "assert snake_case('CamelCase') == 'camel_case'",
                "test_acronym_middle": "assert snake_case('getHTTPResponse') == 'get_http_response'",
                "test_lower": "assert snake_case('x') == 'x'",
            },
            "from textkit.case import snake_case",
        ),
        Swe(
            "truncate-ellipsis",
            "textkit/trunc.py",
            d('''\
            def truncate(s, n):
                """s if it has at most n characters, else its first characters plus '...', n characters in all."""
                if len(s) <= n:
                    return s
                return s[:n] + "..."
            '''),
            d('''\
            def truncate(s, n):
                """s if it has at most n characters, else its first characters plus '...', n characters in all."""
                if len(s) <= n:
                    return s
                return s[: n - 3] + "..."
            '''),
            "`truncate('abcdefghij', 8)` returns 'abcdefgh...' (11 characters); the result, '...' included, must "
            "be at most n characters: 'abcde...'.",
            {
                "test_long": "assert truncate('abcdefghij', 8) == 'abcde...'",
                "test_len": "assert len(truncate('x' * 50, 10)) == 10",
            },
            {"test_short": "assert truncate('abc', 8) == 'abc'", "test_exact": "assert truncate('abcd', 4) == 'abcd'"},
            "from textkit.trunc import truncate",
        ),
        Swe(
            "rotate-modulo",
            "listkit/rotate.py",
            d('''\
            def rotate(xs, k):
                """Rotate right by k places: rotate([1, 2, 3], 1) == [3, 1, 2]; any k >= 0 works."""
                return xs[-k:] + xs[:-k]
            '''),
            d('''\
            def rotate(xs, k):
                """Rotate right by k places: rotate([1, 2, 3], 1) == [3, 1, 2]; any k >= 0 works."""
                if not xs:
                    return []
                k %= len(xs)
                return xs[-k:] + xs[:-k] if k else list(xs)
            '''),
            "`rotate([1, 2, 3], 4)` returns [1, 2, 3] instead of [3, 1, 2]: k may be larger than the list.",
            {"test_big_k": "assert rotate([1, 2, 3], 4) == [3, 1, 2]", "test_k5": "assert rotate([1, 2], 5) == [2, 1]"},
            {
                "test_one": "assert rotate([1, 2, 3], 1) == [3, 1, 2]",
                "test_zero": "assert rotate([1, 2, 3], 0) == [1, 2, 3]",
                "test_empty": "assert rotate([], 2) == []",
            },
            "from listkit.rotate import rotate",
        ),
        Swe(
            "gcd-returns-zero",
            "numkit/gcd.py",
            d('''\
            def gcd(a, b):
                """Greatest common divisor (non-negative), Euclid's algorithm."""
                while b:
                    a, b = b, a % b
                return b
            '''),
            d('''\
            def gcd(a, b):
                """Greatest common divisor (non-negative), Euclid's algorithm."""
                while b:
                    a, b = b, a % b
                return abs(a)
            '''),
            "`gcd(12, 18)` returns 0 instead of 6.",
            {"test_12_18": "assert gcd(12, 18) == 6", "test_negative": "assert gcd(-4, 6) == 2"},
            {"test_zero_zero": "assert gcd(0, 0) == 0"},
            "from numkit.gcd import gcd",
        ),
        Swe(
            "transpose-nonsquare",
            "numkit/matrix.py",
            d('''\
            def transpose(m):
                """Rows become columns; works for any rectangular matrix."""
                return [[m[i][j] for i in range(len(m[0]))] for j in range(len(m))]
            '''),
            d('''\
            def transpose(m):
                """Rows become columns; works for any rectangular matrix."""
                return [[m[i][j] for i in range(len(m))] for j in range(len(m[0]))]
            '''),
            "`transpose([[1, 2, 3], [4, 5, 6]])` raises IndexError; it should give [[1, 4], [2, 5], [3, 6]].",
            {
                "test_wide": "assert transpose([[1, 2, 3], [4, 5, 6]]) == [[1, 4], [2, 5], [3, 6]]",
                "test_tall": "assert transpose([[1], [2]]) == [[1, 2]]",
            },
            {"test_square": "assert transpose([[1, 2], [3, 4]]) == [[1, 3], [2, 4]]"},
            "from numkit.matrix import transpose",
        ),
        Swe(
            "stack-peek",
            "structs/stack.py",
            d('''\
            class Stack:
                def __init__(self):
                    self._items = []

                def push(self, x):
                    self._items.append(x)

                def pop(self):
                    if not self._items:
                        raise IndexError("pop from empty stack")
                    return self._items.pop()

                def peek(self):
                    """The top item (the last pushed), without removing it."""
                    return self._items[0]

                def __len__(self):
                    return len(self._items)
            '''),
            d('''\
            class Stack:
                def __init__(self):
                    self._items = []

                def push(self, x):
                    self._items.append(x)

                def pop(self):
                    if not self._items:
                        raise IndexError("pop from empty stack")
                    return self._items.pop()

                def peek(self):
                    """The top item (the last pushed), without removing it."""
                    if not self._items:
                        raise IndexError("peek at empty stack")
                    return self._items[-1]

                def __len__(self):
                    return len(self._items)
            '''),
            "`Stack.peek()` returns the bottom item instead of the top one (the last pushed); on an empty stack "
            "it must still raise IndexError.",
            {"test_peek_top": "s = Stack()\n    s.push(1)\n    s.push(2)\n    assert s.peek() == 2 and len(s) == 2"},
            {
                "test_pop": "s = Stack()\n    s.push(1)\n    s.push(2)\n    assert s.pop() == 2 and len(s) == 1",
                "test_peek_empty": "import pytest\n    with pytest.raises(IndexError):\n        Stack().peek()",
            },
            "from structs.stack import Stack",
        ),
        Swe(
            "lru-refresh",
            "structs/lru.py",
            d('''\
            from collections import OrderedDict


            class LRUCache:
                """Keeps at most `capacity` keys; when full, the least recently used key (read or written) goes."""

                def __init__(self, capacity):
                    self.capacity = capacity
                    self._d = OrderedDict()

                def get(self, key, default=None):
                    return self._d.get(key, default)

                def put(self, key, value):
                    self._d[key] = value
                    self._d.move_to_end(key)
                    if len(self._d) > self.capacity:
                        self._d.popitem(last=False)
            '''),
            d('''\
            from collections import OrderedDict


            class LRUCache:
                """Keeps at most `capacity` keys; when full, the least recently used key (read or written) goes."""

                def __init__(self, capacity):
                    self.capacity = capacity
                    self._d = OrderedDict()

                def get(self, key, default=None):
                    if key not in self._d:
                        return default
                    self._d.move_to_end(key)
                    return self._d[key]

                def put(self, key, value):
                    self._d[key] = value
                    self._d.move_to_end(key)
                    if len(self._d) > self.capacity:
                        self._d.popitem(last=False)
            '''),
            "In `LRUCache`, reading a key with `get` does not count as a use: after put a, put b, get a, put c the "
            "cache evicts a instead of b.",
            {
                "test_get_refreshes": "c = LRUCache(2)\n    c.put('a', 1)\n    c.put('b', 2)\n    c.get('a')\n"
                "    c.put('c', 3)\n    assert c.get('a') == 1 and c.get('b') is None",
            },
            {
                "test_evicts_oldest": "c = LRUCache(1)\n    c.put('a', 1)\n    c.put('b', 2)\n"
                "    assert c.get('a') is None and c.get('b') == 2",
                "test_default": "assert LRUCache(1).get('x', 0) == 0",
            },
            "from structs.lru import LRUCache",
        ),
        Swe(
            "version-compare",
            "pkgkit/version.py",
            d('''\
            def newer(a, b):
                """True if version string a (like '1.10.2') is newer than b."""
                return a > b
            '''),
            d('''\
            def newer(a, b):
                """True if version string a (like '1.10.2') is newer than b."""
                return tuple(int(p) for p in a.split(".")) > tuple(int(p) for p in b.split("."))
            '''),
            "`newer('1.10', '1.9')` returns False: versions are compared as strings, not number by number.",
            {"test_ten_vs_nine": "assert newer('1.10', '1.9')", "test_not": "assert not newer('2.9.9', '2.10')"},
            {"test_simple": "assert newer('2.0', '1.0')", "test_equal": "assert not newer('1.2', '1.2')"},
            "from pkgkit.version import newer",
        ),
        Swe(
            "parse-bool",
            "confkit/flags.py",
            d('''\
            def parse_bool(s):
                """'true'/'yes'/'1'/'on' -> True, 'false'/'no'/'0'/'off' -> False (any case); else ValueError."""
                return bool(s)
            '''),
            d('''\
            def parse_bool(s):
                """'true'/'yes'/'1'/'on' -> True, 'false'/'no'/'0'/'off' -> False (any case); else ValueError."""
                v = s.strip().lower()
                if v in ("true", "yes", "1", "on"):
                    return True
                if v in ("false", "no", "0", "off"):
                    return False
                raise ValueError(f"not a boolean: {s!r}")
            '''),
            "`parse_bool('False')` returns True, and `parse_bool('maybe')` does not raise ValueError.",
            {
                "test_false": "assert parse_bool('False') is False and parse_bool('off') is False",
                "test_bad": "import pytest\n    with pytest.raises(ValueError):\n        parse_bool('maybe')",
            },
            {"test_true": "assert parse_bool('yes') is True"},
            "from confkit.flags import parse_bool",
        ),
        Swe(
            "running-total",
            "stats/cumsum.py",
            d('''\
            def running_total(xs):
                """[1, 2, 3] -> [1, 3, 6]."""
                out, acc = [], xs[0] if xs else 0
                for x in xs:
                    acc += x
                    out.append(acc)
                return out
            '''),
            d('''\
            def running_total(xs):
                """[1, 2, 3] -> [1, 3, 6]."""
                out, acc = [], 0
                for x in xs:
                    acc += x
                    out.append(acc)
                return out
            '''),
            "`running_total([1, 2, 3])` returns [2, 4, 7] instead of [1, 3, 6].",
            {
                "test_basic": "assert running_total([1, 2, 3]) == [1, 3, 6]",
                "test_neg": "assert running_total([-1, 1]) == [-1, 0]",
            },
            {"test_empty": "assert running_total([]) == []"},
            "from stats.cumsum import running_total",
        ),
        Swe(
            "histogram-max-bin",
            "stats/hist.py",
            d('''\
            def histogram(xs, lo, hi, bins):
                """Counts of xs in `bins` equal-width bins over [lo, hi]; x == hi falls into the last bin."""
                counts = [0] * bins
                width = (hi - lo) / bins
                for x in xs:
                    counts[int((x - lo) / width)] += 1
                return counts
            '''),
            d('''\
            def histogram(xs, lo, hi, bins):
                """Counts of xs in `bins` equal-width bins over [lo, hi]; x == hi falls into the last bin."""
                counts = [0] * bins
                width = (hi - lo) / bins
                for x in xs:
                    counts[min(int((x - lo) / width), bins - 1)] += 1
                return counts
            '''),
            "`histogram([0, 5, 10], 0, 10, 2)` raises IndexError: a value equal to `hi` must go into the last bin "
            "([1, 2]).",
            {"test_hi": "assert histogram([0, 5, 10], 0, 10, 2) == [1, 2]"},
            {"test_inside": "assert histogram([1, 2, 6], 0, 10, 2) == [2, 1]"},
            "from stats.hist import histogram",
        ),
        Swe(
            "query-string",
            "webkit/query.py",
            d('''\
            def parse_query(qs):
                """'a=1&b=two&flag' -> {'a': '1', 'b': 'two', 'flag': ''}; an empty string gives {}."""
                out = {}
                for part in qs.split(","):
                    key, value = part.split("=")
                    out[key] = value
                return out
            '''),
            d('''\
            def parse_query(qs):
                """'a=1&b=two&flag' -> {'a': '1', 'b': 'two', 'flag': ''}; an empty string gives {}."""
                out = {}
                for part in qs.split("&"):
                    if not part:
                        continue
                    key, _, value = part.partition("=")
                    out[key] = value
                return out
            '''),
            "`parse_query('a=1&b=2')` raises ValueError; parts are separated by '&', a part without '=' is a flag "
            "with an empty value, and '' gives {}.",
            {
                "test_two": "assert parse_query('a=1&b=2') == {'a': '1', 'b': '2'}",
                "test_flag": "assert parse_query('x=1&flag') == {'x': '1', 'flag': ''}",
                "test_empty": "assert parse_query('') == {}",
            },
            {"test_one": "assert parse_query('k=v') == {'k': 'v'}"},
            "from webkit.query import parse_query",
        ),
        Swe(
            "days-between-sign",
            "datekit/span.py",
            d('''\
            from datetime import date


            def days_between(a, b):
                """Number of days between two ISO dates ('2024-01-31'), whichever comes first."""
                return (date.fromisoformat(a) - date.fromisoformat(b)).days
            '''),
            d('''\
            from datetime import date


            def days_between(a, b):
                """Number of days between two ISO dates ('2024-01-31'), whichever comes first."""
                return abs((date.fromisoformat(a) - date.fromisoformat(b)).days)
            '''),
            "`days_between('2024-01-01', '2024-01-31')` returns -30; the order of the dates must not matter (30).",
            {"test_forward": "assert days_between('2024-01-01', '2024-01-31') == 30"},
            {
                "test_backward": "assert days_between('2024-03-01', '2024-02-01') == 29",
                "test_same": "assert days_between('2024-05-05', '2024-05-05') == 0",
            },
            "from datekit.span import days_between",
        ),
        Swe(
            "account-overdraft",
            "bank/account.py",
            d('''\
            class Account:
                def __init__(self, balance=0):
                    self.balance = balance

                def deposit(self, amount):
                    if amount <= 0:
                        raise ValueError("deposit must be positive")
                    self.balance += amount

                def withdraw(self, amount):
                    """Take money out; ValueError (balance unchanged) if it would go below zero."""
                    if amount <= 0:
                        raise ValueError("withdrawal must be positive")
                    self.balance -= amount
            '''),
            d('''\
            class Account:
                def __init__(self, balance=0):
                    self.balance = balance

                def deposit(self, amount):
                    if amount <= 0:
                        raise ValueError("deposit must be positive")
                    self.balance += amount

                def withdraw(self, amount):
                    """Take money out; ValueError (balance unchanged) if it would go below zero."""
                    if amount <= 0:
                        raise ValueError("withdrawal must be positive")
                    if amount > self.balance:
                        raise ValueError("insufficient funds")
                    self.balance -= amount
            '''),
            "`Account(10).withdraw(20)` leaves the balance at -10; it must raise ValueError and keep the balance.",
            {
                "test_overdraft": "import pytest\n    a = Account(10)\n    with pytest.raises(ValueError):\n"
                "        a.withdraw(20)\n    assert a.balance == 10",
            },
            {
                "test_withdraw_all": "a = Account(10)\n    a.withdraw(10)\n    assert a.balance == 0",
                "test_deposit": "a = Account()\n    a.deposit(5)\n    assert a.balance == 5",
            },
            "from bank.account import Account",
        ),
        Swe(
            "wrap-width",
            "textkit/wrap.py",
            d('''\
            def wrap(text, width):
                """Greedy word wrap: lines of at most `width` characters (a longer word gets a line of its own)."""
                lines, cur = [], ""
                for word in text.split():
                    if cur and len(cur) + 1 + len(word) > width + 1:
                        lines.append(cur)
                        cur = word
                    else:
                        cur = f"{cur} {word}" if cur else word
                if cur:
                    lines.append(cur)
                return lines
            '''),
            d('''\
            def wrap(text, width):
                """Greedy word wrap: lines of at most `width` characters (a longer word gets a line of its own)."""
                lines, cur = [], ""
                for word in text.split():
                    if cur and len(cur) + 1 + len(word) > width:
                        lines.append(cur)
                        cur = word
                    else:
                        cur = f"{cur} {word}" if cur else word
                if cur:
                    lines.append(cur)
                return lines
            '''),
            "`wrap('aaa bbb ccc', 7)` returns ['aaa bbb', 'ccc'] correctly, but `wrap('aaaa bbb', 7)` returns "
            "['aaaa bbb'], a line of 8 characters.",
            {
                "test_over_by_one": "assert wrap('aaaa bbb', 7) == ['aaaa', 'bbb']",
                "test_short_words": "assert wrap('ab cd ef', 4) == ['ab', 'cd', 'ef']",
            },
            {
                "test_fits": "assert wrap('aaa bbb ccc', 7) == ['aaa bbb', 'ccc']",
                "test_long_word": "assert wrap('abcdefgh', 3) == ['abcdefgh']",
                "test_width": "assert all(len(x) <= 10 for x in wrap('the quick brown fox jumps over the lazy dog', 10))",
            },
            "from textkit.wrap import wrap",
        ),
        Swe(
            "merge-intervals",
            "listkit/intervals.py",
            d('''\
            def merge(intervals):
                """Merge overlapping (start, end) intervals, in any input order; result sorted by start."""
                out = []
                for s, e in intervals:
                    if out and s <= out[-1][1]:
                        out[-1] = (out[-1][0], max(out[-1][1], e))
                    else:
                        out.append((s, e))
                return out
            '''),
            d('''\
            def merge(intervals):
                """Merge overlapping (start, end) intervals, in any input order; result sorted by start."""
                out = []
                for s, e in sorted(intervals):
                    if out and s <= out[-1][1]:
                        out[-1] = (out[-1][0], max(out[-1][1], e))
                    else:
                        out.append((s, e))
                return out
            '''),
            "`merge([(5, 7), (1, 6)])` returns [(5, 7)]; intervals given out of order are not merged.",
            {
                "test_unsorted": "assert merge([(5, 7), (1, 6)]) == [(1, 7)]",
                "test_order": "assert merge([(8, 9), (1, 2)]) == [(1, 2), (8, 9)]",
            },
            {"test_sorted": "assert merge([(1, 3), (2, 4), (6, 7)]) == [(1, 4), (6, 7)]"},
            "from listkit.intervals import merge",
        ),
        Swe(
            "cart-total-discount",
            "shop/cart.py",
            d('''\
            from shop.pricing import apply_discount


            def cart_total(items, discount_pct=0):
                """Sum of price * qty over (price, qty) items, then the discount applied once to the sum."""
                total = 0
                for price, qty in items:
                    total += apply_discount(price, discount_pct) * qty
                    total = apply_discount(total, discount_pct)
                return round(total, 2)
            '''),
            d('''\
            from shop.pricing import apply_discount


            def cart_total(items, discount_pct=0):
                """Sum of price * qty over (price, qty) items, then the discount applied once to the sum."""
                total = 0
                for price, qty in items:
                    total += price * qty
                return round(apply_discount(total, discount_pct), 2)
            '''),
            "`cart_total([(10, 2), (5, 1)], discount_pct=10)` returns a wrong total: the discount is applied "
            "several times; it must be applied once to the sum (22.5).",
            {
                "test_discount_once": "assert cart_total([(10, 2), (5, 1)], discount_pct=10) == 22.5",
                "test_single": "assert cart_total([(100, 1)], discount_pct=50) == 50",
            },
            {
                "test_no_discount": "assert cart_total([(10, 2), (5, 1)]) == 25",
                "test_pricing": "assert apply_discount(200, 25) == 150",
            },
            "from shop.cart import cart_total\nfrom shop.pricing import apply_discount",
            {
                "shop/pricing.py": 'def apply_discount(price, pct):\n    """price reduced by pct percent."""\n    return price * (100 - pct) / 100\n'
            },
        ),
        Swe(
            "report-uses-helper",
            "inventory/report.py",
            d('''\
            from inventory.units import to_grams


            def total_weight(rows):
                """Total weight in grams of (amount, unit) rows; units: g, kg, lb."""
                return sum(amount for amount, unit in rows)
            '''),
            d('''\
            from inventory.units import to_grams


            def total_weight(rows):
                """Total weight in grams of (amount, unit) rows; units: g, kg, lb."""
                return sum(to_grams(amount, unit) for amount, unit in rows)
            '''),
            "`total_weight([(1, 'kg'), (500, 'g')])` returns 501 instead of 1500: the units are ignored.",
            {
                "test_mixed": "assert total_weight([(1, 'kg'), (500, 'g')]) == 1500",
                "test_lb": "assert round(total_weight([(1, 'lb')])) == 454",
            },
            {
                "test_grams": "assert total_weight([(2, 'g'), (3, 'g')]) == 5",
                "test_units": "assert to_grams(2, 'kg') == 2000",
            },
            "from inventory.report import total_weight\nfrom inventory.units import to_grams",
            {
                "inventory/units.py": 'FACTORS = {"g": 1, "kg": 1000, "lb": 453.59237}\n\n\ndef to_grams(amount, unit):\n    return amount * FACTORS[unit]\n'
            },
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
        _write(d / "task.toml", _toml("easy", t.category, ["easy", "bash"], 120, 30))
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
        for path, body in t.extra.items():
            _write(env / "repo" / path, body)
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


def write_mid(root: Path) -> int:
    tasks = mid_tasks()
    for t in tasks:
        d = root / t.name
        _write(d / "instruction.md", t.instruction + "\n")
        _write(d / "task.toml", _toml("medium", t.category, ["mid", "bash", t.category, *t.tags], 300, 60))
        copies = "".join(f"COPY files/{n} /app/{n}\n" for n in t.files)
        _write(d / "environment" / "Dockerfile", f"FROM {BASE}\nWORKDIR /app\n{copies}")
        (d / "environment" / "files").mkdir(parents=True, exist_ok=True)
        for n, body in t.files.items():
            _write(d / "environment" / "files" / n, body)
        for n, body in t.hidden.items():
            _write(d / "tests" / n, body)
        _write(
            d / "tests" / "test.sh",
            f'{ROOT}cd "$R/app"\n# The hidden check: exit 0 = solved.\ncheck() {{\n{t.check}}}\nok=0\n'
            f"if check; then ok=1; fi\n{REWARD_TAIL}",
            0o755,
        )
        _write(d / "solution" / "solve.sh", f'{ROOT}set -e\ncd "$R/app"\n{t.solution}', 0o755)
    return len(tasks)


SETS = (("easy", write_easy), ("shell-mid", write_mid), ("swe-mini", write_swe))


def main() -> None:
    for sub, fn in SETS:
        root = HERE / sub
        store = root / ".swerl-validated.json"  # `swerl tasks validate`'s results: keyed by task hash, kept
        kept = store.read_bytes() if store.is_file() else None
        if root.exists():
            shutil.rmtree(root)
        n = fn(root)
        names = sorted(p.name for p in root.iterdir() if p.is_dir())
        split = TaskSplit.of(names)
        split.write(root)
        if kept is not None:
            store.write_bytes(kept)
        print(f"{sub}: {n} tasks ({len(split.train)} train, {len(split.heldout)} held out)")


if __name__ == "__main__":
    main()
