"""What migrator's work costs when written by hand with the same libraries: the comparators
of ``compare.py``'s table. Each runs in a process of its own (so its peak RSS is its own)
and prints one JSON line: ``records``, ``seconds`` (the work only, not the imports) and
``peak_mib``.

    python bench/comparators.py wxr-raw EXPORT.xml
    python bench/comparators.py json-hand EXPORT.json OUT.jsonl
    python bench/comparators.py csv-hand EXPORT.csv OUT.jsonl
    python bench/comparators.py send-ideal API_BASE PREVIEW.jsonl CONCURRENCY
    python bench/comparators.py send-sequential API_BASE PREVIEW.jsonl

Nothing here imports migrator.
"""

from __future__ import annotations

import asyncio
import csv
import importlib
import json
import resource
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

TOKEN = "bench-w"  # the write token bench/run.py's emulator takes


def wxr_raw(path: str) -> int:
    """The least a WXR reader does: iterparse over ``<item>``, every child's text into a
    dict, then ``clear()`` and drop the items already read (flat memory)."""
    from lxml import etree

    items = 0
    for _, el in etree.iterparse(
        path, events=("end",), tag="item", huge_tree=True, resolve_entities=False
    ):
        fields = {child.tag: child.text for child in el}
        items += bool(fields)
        el.clear(keep_tail=False)
        while el.getprevious() is not None:
            del el.getparent()[0]
    return items


def _text(html: str) -> str:
    from lxml import html as lxml_html

    if not html.strip():
        return ""
    return " ".join(lxml_html.fragment_fromstring(html, create_parent="div").text_content().split())


def _truncate(text: str, length: int) -> str:
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def json_hand(path: str, out: str) -> int:
    """``mappings/json_blog_posts.toml`` by hand: ijson, nh3 for the body, lxml.html for
    the text, python-slugify, orjson."""
    import ijson
    import nh3
    import orjson
    from slugify import slugify

    n = 0
    with open(path, "rb") as fh, open(out, "wb") as sink:
        for record in ijson.items(fh, "item"):
            if record.get("kind") != "blogger#post":
                continue
            title = _text(record["title"])
            body = {
                "title": title.strip(),
                "slug": slugify(title),
                "status": "published",
                "author": {"email": "ada@example.com"},
                "tags": [record.get("labels", "").replace("&amp;", "&").strip()],
                "body": nh3.clean(record["content"], link_rel=None),
                "summary": _truncate(_text(record["content"]), 150),
                "upload_images_to_media_library": True,
            }
            sink.write(orjson.dumps({"identity": record["id"], "body": body}) + b"\n")
            n += 1
    return n


def _boolean(value: str) -> bool:
    return value.strip().lower() in ("yes", "y", "1", "true", "on")


def csv_hand(path: str, out: str) -> int:
    """``mappings/team_members.toml`` by hand: DictReader, the same transforms, orjson."""
    import orjson

    media_base = "http://127.0.0.1:8000/img"
    n = 0
    with open(path, newline="", encoding="utf-8") as fh, open(out, "wb") as sink:
        for row in csv.DictReader(fh):
            photo = row["photo"].strip()
            fields = {
                "name": row["name"].strip(),
                "email": row["email"].strip().lower(),
                "position": row["position"].strip(),
                "bio": row["bio"].strip(),
                "photo": f"{media_base}/{photo}" if photo else "",
                "joined": datetime.strptime(row["joined"].strip(), "%m/%d/%Y").date().isoformat(),
                "active": _boolean(row["active"]),
            }
            body = {"key": "team_members", "status": "published", "fields": [fields]}
            sink.write(orjson.dumps({"identity": fields["email"], "body": body}) + b"\n")
            n += 1
    return n


def _payloads(preview: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, body) of each create in a dry run's preview: what migrator would send."""
    with open(preview, encoding="utf-8") as fh:
        for line in fh:
            entry = json.loads(line)
            if entry.get("action") == "create":
                yield entry["path"], entry["body"]


def _origin(api_base: str) -> str:
    return api_base.rstrip("/").removesuffix("/v2")


def send_ideal(api_base: str, preview: str, concurrency: str) -> int:
    """An ideal client: one aiohttp session, ``concurrency`` requests in flight (a
    semaphore), each body encoded with orjson; counts the 202s."""
    import aiohttp
    import orjson

    payloads = list(_payloads(preview))
    origin = _origin(api_base)

    async def main() -> int:
        gate = asyncio.Semaphore(int(concurrency))
        headers = {"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"}
        connector = aiohttp.TCPConnector(limit=int(concurrency))
        async with aiohttp.ClientSession(connector=connector) as session:

            async def send(path: str, body: dict[str, Any]) -> bool:
                async with gate:
                    data = orjson.dumps(body)
                    async with session.post(origin + path, data=data, headers=headers) as r:
                        await r.read()
                        return r.status == 202

            done = await asyncio.gather(*(send(p, b) for p, b in payloads))
        return sum(done)

    return asyncio.run(main())


def send_sequential(api_base: str, preview: str) -> int:
    """A sequential client: one keep-alive connection, one request at a time."""
    import aiohttp
    import orjson

    payloads = list(_payloads(preview))
    origin = _origin(api_base)

    async def main() -> int:
        headers = {"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"}
        accepted = 0
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as session:
            for path, body in payloads:
                async with session.post(
                    origin + path, data=orjson.dumps(body), headers=headers
                ) as r:
                    await r.read()
                    accepted += r.status == 202
        return accepted

    return asyncio.run(main())


# kind -> (the work, the libraries it imports: loaded before the clock starts, and only
# those, so that each process's peak RSS is what its work needs)
KINDS: dict[str, tuple[Callable[..., int], tuple[str, ...]]] = {
    "wxr-raw": (wxr_raw, ("lxml.etree",)),
    "json-hand": (json_hand, ("ijson", "nh3", "orjson", "slugify", "lxml.html")),
    "csv-hand": (csv_hand, ("orjson",)),
    "send-ideal": (send_ideal, ("aiohttp", "orjson")),
    "send-sequential": (send_sequential, ("aiohttp", "orjson")),
}


def peak_rss_mib() -> float:
    """This process's peak RSS (Linux: VmHWM). Not ``ru_maxrss``, which a process started
    by a bigger one inherits from it."""
    for line in open("/proc/self/status", encoding="ascii"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def report(kind: str, *args: str) -> None:
    """Run the work of ``kind`` and print its JSON line (what ``compare.py`` reads)."""
    work, libraries = KINDS[kind]
    for name in libraries:
        importlib.import_module(name)
    started = time.perf_counter()
    records = work(*args)
    seconds = time.perf_counter() - started
    print(json.dumps({"records": records, "seconds": seconds, "peak_mib": peak_rss_mib()}))


if __name__ == "__main__":
    kind, *arguments = sys.argv[1:]
    report(kind, *arguments)
