"""`make bench`: what link rewriting costs a WordPress dry run, measured side by side.

A generated WXR export of N posts, each linking to three others through a dated
permalink, ``?p=ID`` and an old ``/archives/ID`` URL, is dry-run through
``mappings/wordpress_posts.toml`` with its ``links`` rules and with them removed.
Prints records per second for both (the rules add a pass over the export to index it),
and peak Python memory at 2,000 and 20,000 posts: the index lives on disk, so the ratio
should stay near 1.0.

    python bench/links.py
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scale import scaled  # noqa: E402
from wxr_memory import HEAD  # noqa: E402  (the same channel and author)

from migrator.engine import RunOptions, dry_run  # noqa: E402
from migrator.log import configure  # noqa: E402
from migrator.mapping import load_mapping  # noqa: E402

POST = """<item><title>Post {i}</title><link>https://bench.example.com/2024/01/post-{i}/</link>
<dc:creator>ada</dc:creator><guid isPermaLink="false">https://bench.example.com/?p={i}</guid>
<content:encoded><![CDATA[<p>See <a href="https://bench.example.com/2024/01/post-{a}/">one</a>,
<a href="http://www.bench.example.com/?p={b}">two</a> and
<a href="/archives/{c}">three</a>.</p>]]></content:encoded><excerpt:encoded></excerpt:encoded>
<wp:post_id>{i}</wp:post_id><wp:post_date>2024-01-01 10:00:00</wp:post_date>
<wp:post_name>post-{i}</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
</item>
"""


def generate(path: Path, posts: int) -> Path:
    with path.open("w", encoding="utf-8") as f:
        f.write(HEAD)
        for i in range(1, posts + 1):
            f.write(
                POST.format(i=i, a=i % posts + 1, b=(i + 7) % posts + 1, c=(i * 13) % posts + 1)
            )
        f.write("</channel></rss>\n")
    return path


def mappings(tmp: Path) -> dict[str, Path]:
    text = (ROOT / "mappings" / "wordpress_posts.toml").read_text(encoding="utf-8")
    text = text.replace(
        'model = "content-model.toml"', f'model = "{ROOT}/mappings/content-model.toml"'
    )
    with_links = text.replace(
        'links = "wordpress-links.toml"', f'links = "{ROOT}/mappings/wordpress-links.toml"'
    )
    without = text.replace('links = "wordpress-links.toml"', "")
    paths = {"with links": tmp / "with.toml", "without": tmp / "without.toml"}
    paths["with links"].write_text(with_links, encoding="utf-8")
    paths["without"].write_text(without, encoding="utf-8")
    return paths


def measure(mapping_path: Path, source: Path, tmp: Path, traced: bool) -> tuple[float, int, int]:
    mapping = load_mapping(mapping_path)
    options = RunOptions(
        ledger_path=tmp / "x.ledger.sqlite",
        failures_path=tmp / "x.failures.jsonl",
        preview_path=tmp / "x.preview.jsonl",
        show_progress=False,
    )
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    stats = dry_run(mapping, source, options)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    if traced:
        tracemalloc.stop()
    assert stats.plan.invalid == 0, stats.failure_reasons
    return stats.plan.to_send / elapsed, peak, stats.plan.links_rewritten


def main() -> None:
    configure(level="warning")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        maps = mappings(tmp)
        many, few = scaled(20_000, minimum=100), scaled(2_000)
        big = generate(tmp / "big.xml", many)
        rates = {}
        for label, path in maps.items():
            rates[label], _, rewritten = measure(path, big, tmp, traced=False)
            print(
                f"WXR dry run, {many:,} posts, {label:>10}: {rates[label]:>7,.0f} posts/s"
                + (f" ({rewritten:,} links rewritten)" if rewritten else "")
            )
        print(
            f"link rewriting costs {rates['without'] / rates['with links']:.2f}x the time "
            "of a run without it (the index is one more pass over the export)"
        )
        small = generate(tmp / "small.xml", few)
        _, small_peak, _ = measure(maps["with links"], small, tmp, traced=True)
        _, big_peak, _ = measure(maps["with links"], big, tmp, traced=True)
        print(
            f"peak Python memory with links: {few:,} posts {small_peak / 2**20:.1f} MiB, "
            f"{many:,} posts {big_peak / 2**20:.1f} MiB: ratio {big_peak / small_peak:.2f} "
            "(1.0 = flat; 10.0 = grows with the export)"
        )


if __name__ == "__main__":
    main()
