"""How big and how deep an export's parts may be: the bounds that keep a hostile or broken
file from exhausting memory or the stack. Every reader checks against these; going past
one is a clear error at the position where it happens.

Real exports stay far below them: rich text nests 10 to 30 levels, keys are field
names, the longest values are post bodies of a few MiB.
"""

from __future__ import annotations

# Levels of JSON arrays and objects, counted from the document's root. Below orjson's
# 254-level limit for writing JSON (payload hashes, failure and preview files), with room
# for the levels a payload adds around a value, and below Python's recursion limit for
# the converters that walk rich text recursively.
MAX_DEPTH = 128

# One JSON object key, in bytes. The streaming parser keeps every level's path
# (``a.b.c``), so long keys on a deep path cost depth x key length.
MAX_KEY = 4 * 1024

# One value: a JSON string or number, a CSV field. A rich-text body with inline images
# fits.
MAX_VALUE = 32 * 1024 * 1024

# One JSON number, in bytes, when it runs across a whole read (64 KiB): a double has 17
# significant digits, and yajl scans a number split across reads again on every read
# (a 40 MB one took a minute to refuse at MAX_VALUE).
MAX_NUMBER = 1024

# One line of a line-based file (CSV, NDJSON): it is held whole while it is parsed.
MAX_LINE = 32 * 1024 * 1024

# Columns of a CSV header (a spreadsheet's own limit is 16,384).
MAX_COLUMNS = 16_384


# A zip given as one export (WordPress.com splits a large site into several WXR files
# and zips them): its members are streamed, never extracted, and refused past these.
# Files in it that are read (a site split in thousands of files is not an export).
MAX_ZIP_MEMBERS = 1_000
# Bytes of those files once inflated, all together.
MAX_UNZIPPED = 64 * 1024 * 1024 * 1024
# Inflated size over compressed size, per file: XML shrinks 5 to 20 times; a zip bomb
# shrinks a thousand times.
MAX_ZIP_RATIO = 200


def size_text(n: int) -> str:
    """``33554432`` → ``"32 MiB"`` (for messages)."""
    for unit, size in (("GiB", 1024**3), ("MiB", 1024 * 1024), ("KiB", 1024)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n:,} bytes"
