"""`make bench`: issue 14's table. Each row is migrator against a comparator written by
hand with the same libraries (``comparators.py``), measured side by side in one run:
migrator, then the comparator, three times over (medians), each in a process of its own,
so peak RSS is each one's own. The table ends with the target and whether it is met.

What is timed: records per second of the work alone (imports excluded on both sides); for
the unthrottled send, the run's own time (its summary's "time" row) against the clients'
loop over the payloads its dry run previews; for --rate 200 and --help, the whole process.
The WXR exports have realistic ids (``wxr_memory.generate``); "reads the export" counts
the times the dry run opened the export (each open reads all of it), "bytes read" the
bytes its process read (/proc/self/io) over the export's size, the spool of records that
planning replays included.

Sizes scale with environment variables, so that the whole of `make bench` fits in about
ten minutes on a quiet 2-core machine at the defaults:

    BENCH_SCALE=1      multiplies every row's size (0.01 for a quick check that it works)
    BENCH_WXR_MB=1024  the large WXR export, in MB (default 1024 x BENCH_SCALE)
    BENCH_REPEAT=3     measurements per row (the median is shown)
    BENCH_ROWS=all     only these rows, comma-separated: help,wxr,links,json,csv,send,rate
    BENCH_PYC=1        the help and rate rows compile migrator's .pyc files first, as an
                       installed wheel has them (0: not; this machine sets
                       PYTHONDONTWRITEBYTECODE, so a checkout compiles ~150 modules from
                       source in every process, ~0.2 s of CPU); the row says which

    python bench/compare.py
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

import links  # noqa: E402
import run  # noqa: E402
import wxr_memory  # noqa: E402
from scale import SCALE, scaled  # noqa: E402

REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
LARGE_MB = float(os.environ.get("BENCH_WXR_MB", 1024 * SCALE))
SMALL_MB = max(0.2, 100 * SCALE)
LINK_POSTS = scaled(20_000, minimum=100)
JSON_RECORDS = scaled(5_000)
CSV_ROWS = scaled(100_000, minimum=100)
SEND_RECORDS = scaled(5_000, minimum=100)
RATE_RECORDS = scaled(1_000)
RATE = 200.0
COMPARATORS = str(BENCH / "comparators.py")
PYC = os.environ.get("BENCH_PYC", "1") != "0"
JSON_MAPPING = ROOT / "mappings" / "json_blog_posts.toml"


@dataclass
class Row:
    work: str
    migrator: str
    comparator: str
    ratio: str
    target: str
    met: bool


def child(*args: str) -> dict[str, Any]:
    """Run a measuring child process; its last stdout line is its JSON result."""
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=3600, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def dry_child(mapping: Path, source: Path, out: Path) -> dict[str, Any]:
    return child(__file__, "--dry", str(mapping), str(source), str(out))


def median_rate(results: list[dict[str, Any]]) -> float:
    return statistics.median(r["records"] / r["seconds"] for r in results)


def median_peak(results: list[dict[str, Any]]) -> float:
    return statistics.median(r["peak_mib"] for r in results)


def side_by_side(*measures: Callable[[], dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Each measure REPEAT times, taking turns, so that the machine's noise hits all."""
    results: list[list[dict[str, Any]]] = [[] for _ in measures]
    for _ in range(REPEAT):
        for i, measure in enumerate(measures):
            results[i].append(measure())
    return results


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def speed_row(
    work: str, ours: list[dict[str, Any]], theirs: list[dict[str, Any]], name: str, goal: float
) -> Row:
    a, b = median_rate(ours), median_rate(theirs)
    return Row(
        work,
        f"{a:,.0f} rec/s, {median_peak(ours):.0f} MiB",
        f"{name}: {b:,.0f} rec/s, {median_peak(theirs):.0f} MiB",
        f"{a / b:.2f}x",
        f">= {goal:g}x",
        a / b >= goal,
    )


def wxr_rows(tmp: Path) -> list[Row]:
    small = tmp / "small.xml"
    items = wxr_memory.generate(small, SMALL_MB)
    size = small.stat().st_size / 2**20
    say(f"WXR read: {size:.0f} MiB, {items:,} items")
    ours, theirs = side_by_side(
        lambda: wxr_memory.measure(small), lambda: child(COMPARATORS, "wxr-raw", str(small))
    )
    assert all(r["records"] == items for r in ours + theirs), (ours, theirs, items)
    rows = [
        speed_row(
            f"read a {size:.0f} MiB WXR (Python API, every record)",
            ours,
            theirs,
            "raw lxml iterparse + clear()",
            0.5,
        )
    ]
    large = tmp / "large.xml"
    started = time.perf_counter()
    big_items = wxr_memory.generate(large, LARGE_MB)
    big_size = large.stat().st_size / 2**20
    written = time.perf_counter() - started
    say(f"WXR peak RSS: {big_size:,.0f} MiB, {big_items:,} items (written in {written:.0f} s)")
    # Peak RSS hardly varies between runs: one each.
    big_ours = wxr_memory.measure(large)
    big_theirs = child(COMPARATORS, "wxr-raw", str(large))
    large.unlink()
    ours_ratio = big_ours["peak_mib"] / median_peak(ours)
    theirs_ratio = big_theirs["peak_mib"] / median_peak(theirs)
    rows.append(
        Row(
            f"peak RSS, {big_size:,.0f} MiB WXR vs {size:.0f} MiB (ids > 2^28, guids)",
            f"{big_ours['peak_mib']:.0f} vs {median_peak(ours):.0f} MiB, "
            f"{big_items / big_ours['seconds']:,.0f} rec/s",
            f"raw lxml: {big_theirs['peak_mib']:.0f} vs {median_peak(theirs):.0f} MiB "
            f"= {theirs_ratio:.2f}x",
            f"{ours_ratio:.2f}x",
            "<= 1.1x, <= 120 MiB",
            ours_ratio <= 1.1 and big_ours["peak_mib"] <= 120,
        )
    )
    small.unlink()
    return rows


def links_row(tmp: Path) -> Row:
    source = links.generate(tmp / "links.xml", LINK_POSTS)
    mapping = links.mappings(tmp)["with links"]
    say(f"WXR dry run with links: {LINK_POSTS:,} posts")
    ours, theirs = side_by_side(
        lambda: dry_child(mapping, source, tmp / "links-out"),
        lambda: child(COMPARATORS, "wxr-raw", str(source)),
    )
    reads = statistics.median(r["export_reads"] for r in ours)
    read_bytes = statistics.median(r["bytes_read"] for r in ours)
    row = speed_row(
        "dry run, wordpress_posts.toml with links", ours, theirs, "the same raw lxml loop", 0.3
    )
    row.migrator += f", reads the export {reads:g} times (bytes read: {read_bytes:.1f}x its size)"
    row.target += ", one read"
    row.met = row.met and reads < 1.5
    return row


def generate_json(path: Path, records: int) -> Path:
    """A generic JSON export of blog posts, each with ~10 KB of real-world HTML: links,
    images, inline styles, an event handler, a script, a table."""
    paragraph = (
        '<p style="color:#333">WordPress and Blogger posts carry <strong>inline</strong> '
        'markup, <a href="https://old.example.com/2019/05/post-{n}/" onclick="track()">links'
        '</a>, <em>emphasis</em> &amp; entities, and <img src="/img/{n}.png" alt="a picture">'
        " images that a migration cleans before sending them on.</p>\n"
    )
    extras = (
        "<script>window.track = function () {{}};</script>"
        "<table><tr><th>a</th><td>{n}</td></tr></table>"
        '<p><a href="javascript:alert(1)">bad link</a></p>'
    )
    with path.open("w", encoding="utf-8") as fh:
        fh.write("[\n")
        for i in range(records):
            body = "".join(paragraph.format(n=i * 40 + k) for k in range(24))
            record = {
                "id": f"post-{i}",
                "kind": "blogger#post",
                "title": f"<b>Post {i}</b> &amp; friends",
                "labels": "News &amp; Views",
                "content": body + extras.format(n=i),
            }
            fh.write(("" if i == 0 else ",\n") + json.dumps(record))
        fh.write("\n]\n")
    return path


def json_row(tmp: Path) -> Row:
    source = generate_json(tmp / "posts.json", JSON_RECORDS)
    say(f"JSON dry run: {JSON_RECORDS:,} records, {source.stat().st_size / 2**20:.0f} MiB")
    ours, theirs = side_by_side(
        lambda: dry_child(JSON_MAPPING, source, tmp / "json-out"),
        lambda: child(COMPARATORS, "json-hand", str(source), str(tmp / "json-hand.jsonl")),
    )
    return speed_row(
        "dry run, generic JSON, ~10 KB HTML bodies",
        ours,
        theirs,
        "ijson + nh3 + lxml.html + orjson",
        0.7,
    )


def csv_row(tmp: Path) -> Row:
    source = run.generate_csv(tmp / "rows.csv", CSV_ROWS)
    say(f"CSV dry run: {CSV_ROWS:,} rows")
    ours, theirs = side_by_side(
        lambda: dry_child(run.MAPPING, source, tmp / "csv-out"),
        lambda: child(COMPARATORS, "csv-hand", str(source), str(tmp / "csv-hand.jsonl")),
    )
    return speed_row(
        f"dry run, CSV, {CSV_ROWS:,} rows", ours, theirs, "DictReader + transforms + orjson", 0.5
    )


def send_row(tmp: Path) -> Row:
    source = run.generate_csv(tmp / "send.csv", SEND_RECORDS)
    preview = dry_child(run.MAPPING, source, tmp / "send-out")["preview"]
    say(f"unthrottled send: {SEND_RECORDS:,} records, concurrency 8")

    def ours() -> dict[str, Any]:
        with run.emulator("--delay", "0") as base:
            _, inner = run.real_run(tmp, source, base, 100_000, 8, ("--canary", "0"))
        return {"records": SEND_RECORDS, "seconds": inner, "peak_mib": 0.0}

    def client(kind: str, *extra: str) -> Callable[[], dict[str, Any]]:
        def measure() -> dict[str, Any]:
            with run.emulator("--delay", "0") as base:
                result = child(COMPARATORS, kind, base, preview, *extra)
            assert result["records"] == SEND_RECORDS, result
            return result

        return measure

    mine, ideal, sequential = side_by_side(
        ours, client("send-ideal", "8"), client("send-sequential")
    )
    a, b, c = median_rate(mine), median_rate(ideal), median_rate(sequential)
    return Row(
        "unthrottled send, emulator --delay 0, c8",
        f"{a:,.0f} rec/s (the run's own time)",
        f"ideal aiohttp + semaphore {b:,.0f}; sequential keep-alive {c:,.0f}",
        f"{a / b:.2f}x ideal, {a / c:.2f}x seq",
        ">= 0.8x ideal, >= 1x seq",
        a / b >= 0.8 and a / c >= 1.0,
    )


def imported(command: list[str]) -> set[str]:
    """The modules ``command`` (a ``python -X importtime ...``) imports; not the ones it
    only tries (``copy`` looks for Jython's ``org.python.core``)."""
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    lines = [line.split("|")[-1].strip() for line in done.stderr.splitlines()]
    names = {line for line in lines[1:] if line}
    return {n for n in names if importlib.util.find_spec(n.partition(".")[0]) is not None}


def compiled_first() -> str:
    """With BENCH_PYC (the default), write migrator's .pyc files as installing it would;
    what the row says of it."""
    if not PYC:
        return "from source, no .pyc"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "migrator")], check=True)
    return ".pyc compiled first, as installed"


def help_row() -> Row:
    def timed(command: list[str]) -> Callable[[], dict[str, Any]]:
        def measure() -> dict[str, Any]:
            started = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True)
            return {"records": 1, "seconds": time.perf_counter() - started, "peak_mib": 0.0}

        return measure

    pyc = compiled_first()
    say(f"start-up: migrator --help ({pyc})")
    ours, theirs = side_by_side(
        timed([run.MIGRATOR, "--help"]), timed([sys.executable, "-c", "import click"])
    )
    a = statistics.median(r["seconds"] for r in ours)
    b = statistics.median(r["seconds"] for r in theirs)
    modules = imported([sys.executable, "-X", "importtime", "-m", "migrator", "--help"])
    click = imported([sys.executable, "-X", "importtime", "-c", "import click"])
    tops = {name.partition(".")[0] for name in modules - click}
    others = sorted(tops - set(sys.stdlib_module_names) - {"migrator", "click"})
    return Row(
        f"migrator --help ({pyc})",
        f"{a:.3f} s, {len(modules)} modules"
        + (f" (beyond click: {', '.join(others)})" if others else ""),
        f"python -c 'import click': {b:.3f} s, {len(click)} modules",
        f"{a / b:.2f}x",
        "<= 0.2 s, only click",
        a <= 0.2 and not others,
    )


def rate_row(tmp: Path) -> Row:
    source = run.generate_csv(tmp / "rate.csv", RATE_RECORDS)
    floor = RATE_RECORDS / RATE
    pyc = compiled_first()
    say(f"--rate {RATE:g}: {RATE_RECORDS:,} records, floor {floor:.2f} s ({pyc})")

    def measure() -> dict[str, Any]:
        with run.emulator() as base:
            wall, _ = run.real_run(tmp, source, base, RATE, 8, ("--canary", "0"))
        return {"records": 1, "seconds": wall, "peak_mib": 0.0}

    (walls,) = side_by_side(measure)
    wall = statistics.median(r["seconds"] for r in walls)
    return Row(
        f"--rate {RATE:g}, {RATE_RECORDS:,} records, whole process ({pyc})",
        f"{wall:.2f} s",
        f"the floor N/R: {floor:.2f} s",
        f"{wall / floor:.3f}x",
        "<= 1.05x",
        wall / floor <= 1.05,
    )


def print_table(rows: list[Row]) -> None:
    header = Row("work", "migrator", "comparator", "ratio", "target", True)
    cells = [[r.work, r.migrator, r.comparator, r.ratio, r.target] for r in [header, *rows]]
    widths = [max(len(c[i]) for c in cells) for i in range(5)]
    for n, (row, line) in enumerate(zip([header, *rows], cells, strict=True)):
        met = "met" if n == 0 else ("yes" if row.met else "NO")
        print(" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + f" | {met}")
        if n == 0:
            print("-+-".join("-" * w for w in widths) + "-+----")


def dry(mapping: str, source: str, out: str) -> None:
    """The child of a migrator dry run through the Python API: prints its JSON line."""
    from comparators import peak_rss_mib

    from migrator.log import configure

    configure(level="warning", stream=sys.stderr)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    # Loaded before the clock starts, as the comparators' libraries are, and so that the
    # bytes read while measuring are the export's, not the modules'.
    import migrator
    import migrator.engine
    import migrator.mapping
    import migrator.sources

    loaded = migrator.load_mapping(mapping)
    options = run.options(Path(tempfile.mkdtemp(dir=folder)), "dry")
    opened: list[str] = []  # each open of the export is one full read of it

    def on_audit(event: str, args: tuple[Any, ...]) -> None:
        if event == "open" and isinstance(args[0], str | os.PathLike) and str(args[0]) == source:
            opened.append(source)

    sys.addaudithook(on_audit)
    read_before = _rchar()
    started, cpu = time.perf_counter(), time.process_time()
    stats = migrator.dry_run(loaded, Path(source), options)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    bytes_read = (_rchar() - read_before) / Path(source).stat().st_size
    assert stats.plan.invalid == 0, stats.failure_reasons
    result = {
        "records": stats.plan.read,
        "seconds": seconds,
        "cpu_seconds": cpu,  # steadier than the wall clock on a shared machine
        "peak_mib": peak_rss_mib(),
        "export_reads": len(opened),  # times the export was opened (each a full read)
        # bytes read by the process / the export's size: the export's reads, and the
        # spool the run keeps its records in for planning
        "bytes_read": bytes_read,
        "preview": str(options.preview_path),
    }
    print(json.dumps(result))


def _rchar() -> int:
    """Bytes this process has read so far (Linux)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    if sys.argv[1:2] == ["--dry"]:
        dry(*sys.argv[2:5])
        return
    makers: dict[str, Callable[[Path], list[Row]]] = {
        "help": lambda tmp: [help_row()],
        "wxr": wxr_rows,
        "links": lambda tmp: [links_row(tmp)],
        "json": lambda tmp: [json_row(tmp)],
        "csv": lambda tmp: [csv_row(tmp)],
        "send": lambda tmp: [send_row(tmp)],
        "rate": lambda tmp: [rate_row(tmp)],
    }
    wanted = os.environ.get("BENCH_ROWS", "all")
    names = list(makers) if wanted == "all" else [n.strip() for n in wanted.split(",")]
    unknown = [n for n in names if n not in makers]
    if unknown:
        sys.exit(f"BENCH_ROWS: unknown {', '.join(unknown)}; known: {', '.join(makers)}")
    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as name:
        tmp = Path(name)
        for row_name in names:
            rows += makers[row_name](tmp)
    print(
        f"\nissue 14: migrator against hand-written comparators (medians of {REPEAT}; "
        f"BENCH_SCALE={SCALE:g}; {time.perf_counter() - started:.0f} s)\n"
    )
    print_table(rows)


if __name__ == "__main__":
    main()
