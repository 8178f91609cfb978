"""A streaming byte-level repair pass in front of the XML parser, for real-world WXR.

WordPress plugins, old versions and other generators (Squarespace, hand edits) write
exports a strict XML parser rejects. For such a file (``PlainReader`` hands the others
to lxml as they are, and the parser's first complaint sends the file here), this filter
sits between the file and lxml and fixes, chunk by chunk (memory stays flat), what can
be fixed without guessing:

- **NUL and other control characters** XML 1.0 forbids are removed.
- **Invalid UTF-8** becomes U+FFFD (only for files declared or defaulting to UTF-8).
- **A bare ``&``** that starts no entity (``?a=1&b=2``) becomes ``&amp;``.
- **HTML named entities** (``&mdash;``, ``&nbsp;``) become numeric references;
  an unknown name keeps its text (``&foo;`` → ``&amp;foo;``).
- **Character references to invalid code points** (``&#xD800;``, ``&#0;``) become U+FFFD.
- **Undeclared prefixes**: ``wp:``, ``content:``, ``excerpt:``, ``dc:``, ``wfw:`` are
  declared on the root element when it lacks them.
- **Nested CDATA** (``repair_cdata=True``, used only once the file is known not to be
  well-formed): inside a CDATA section, a ``]]>`` followed by more text rather than
  markup, with another ``]]>`` still ahead, is taken as literal text and escaped the
  way WordPress escapes it (``]]]]><![CDATA[>``).

It never adds or removes a line break, so the parser's line numbers are the file's.

**Refused** (``SourceError``): a DOCTYPE declaring entities (internal or external: the
"billion laughs" and XXE attacks; WordPress never writes one), a prolog so long it
is not a WXR file, and a CDATA section, comment or text without markup longer than
``limits.MAX_VALUE`` (the parser would hold it whole, several times over). The parser
also runs with entity resolution, DTD loading and network access off.
"""

from __future__ import annotations

import html.entities
import re
from pathlib import Path
from typing import BinaryIO

from migrator.errors import SourceError
from migrator.sources.limits import MAX_VALUE, size_text

CHUNK = 256 * 1024
# The root element must start within this many bytes (an XML declaration, comments).
MAX_PROLOG = 1024 * 1024
WP_NS = "http://wordpress.org/export/1.2/"
KNOWN_PREFIXES = {
    b"wp": WP_NS.encode(),
    b"excerpt": b"http://wordpress.org/export/1.2/excerpt/",
    b"content": b"http://purl.org/rss/1.0/modules/content/",
    b"dc": b"http://purl.org/dc/elements/1.1/",
    b"wfw": b"http://wellformedweb.org/CommentAPI/",
}
XML_ENTITIES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})
# html5 names without the trailing ";" form and without the legacy no-semicolon aliases.
_HTML_ENTITIES: dict[bytes, bytes] = {}
for _name, _text in html.entities.html5.items():
    if _name.endswith(";") and len(_text) == 1:
        _HTML_ENTITIES[_name[:-1].encode()] = f"&#{ord(_text)};".encode()

# Forbidden control characters (XML 1.0 allows TAB, LF, CR).
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
# In normal text: the next thing that matters.
_NORMAL = re.compile(rb"&|<!\[CDATA\[|<!--")
_ENTITY = re.compile(rb"&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,8})|([A-Za-z][A-Za-z0-9]{0,31}));")
_ENCODING_DECL = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*)(\s[^>]*)?>", re.S)
_XMLNS = re.compile(rb"""xmlns:([\w.-]+)\s*=\s*["']([^"']*)["']""")
# Enough look-ahead for any token; more than this is never needed to decide.
_MARGIN = 64
# PlainReader: the longest text, CDATA section or comment it hands lxml (whose limit
# without huge_tree is 10 MB); a longer one goes through the repair pass.
LARGE = 8 * 1024 * 1024


def _incomplete_tail(data: bytes) -> int:
    """How many bytes at the end of ``data`` are an unfinished UTF-8 character."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:
            return 0
        if byte >= 0xC0:  # a lead byte: how long should its character be?
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return back if back < need else 0
    return 0


def _valid_codepoint(n: int) -> bool:
    return (
        n in (0x9, 0xA, 0xD)
        or 0x20 <= n <= 0xD7FF
        or 0xE000 <= n <= 0xFFFD
        or (0x10000 <= n <= 0x10FFFF)
    )


def check_prolog(data: bytes, path: Path) -> re.Match[bytes] | None:
    """The root element's start tag in ``data`` (the file's first bytes), or None when
    it has not come yet; refuses a DOCTYPE that declares entities, and a prolog longer
    than ``MAX_PROLOG``."""
    root = _ROOT.search(data)
    if root is None:
        if len(data) >= MAX_PROLOG:
            raise SourceError(
                f"no XML element in the first {MAX_PROLOG:,} bytes: not a WXR export",
                file=path,
            )
        return None
    # The root may be found after a DOCTYPE; refuse entity declarations before it.
    head = data[: root.start()]
    if _DOCTYPE.search(head) and b"<!ENTITY" in head.upper():
        raise SourceError(
            "refused: the file declares XML entities in a DOCTYPE (WordPress never "
            "does; this is how entity-expansion and external-entity attacks work)",
            file=path,
        )
    return root


class NeedsRepair(Exception):
    """The file is not one lxml reads as it is: read it through ``RepairingReader``."""

    def __init__(self, part: str):
        super().__init__(part)
        self.part = part


class PlainReader:
    """A file's bytes unchanged, for the first try at a file: most exports need no
    repair, and the byte-by-byte pass costs as much as the parsing. The parser's first
    complaint means the caller reads the file again through ``RepairingReader``, which
    then does exactly what it always did; so does a head the repair pass would change,
    and a text, CDATA section or comment longer than ``LARGE`` (before lxml, which runs
    without ``huge_tree`` here, complains at 10 MB: in recover mode it would first parse
    a long CDATA section's HTML as elements). The prolog is refused as the repair pass
    refuses it."""

    def __init__(self, raw: BinaryIO, path: Path, part: str):
        self.raw = raw
        self.path = path
        self.part = part
        self._buf = b""
        self._at = 0
        self._offset = 0  # of _buf in the file
        self._run = 0  # bytes since the last "<"
        self._state = "normal"  # normal | cdata | comment, near enough (see _watch)
        self._opened = 0  # where the CDATA section or comment began
        self._started = False

    def read(self, size: int = -1) -> bytes:
        if self._at >= len(self._buf):
            self._offset += len(self._buf)
            self._buf, self._at = self._next(), 0
        want = len(self._buf) if size is None or size < 0 else max(size, 1)
        data = self._buf[self._at : self._at + want]
        self._at += len(data)
        return data

    def _next(self) -> bytes:
        chunk = self.raw.read(CHUNK)
        if not self._started:
            self._started = True
            while len(chunk) < MAX_PROLOG and _ROOT.search(chunk) is None:
                more = self.raw.read(CHUNK)
                if not more:
                    break
                chunk += more
            self._check_head(chunk)
        self._watch(chunk)
        return chunk

    def _watch(self, chunk: bytes) -> None:
        """``NeedsRepair`` once a text, CDATA section or comment passes ``LARGE``. Near
        enough, and cheap: only the section still open at the chunk's end is followed
        (found by looking back from the end), not every section in the chunk."""
        first = chunk.find(b"<")
        ended = self._run + (first if first >= 0 else len(chunk))
        self._run = ended if first < 0 else len(chunk) - chunk.rfind(b"<") - 1
        pos = 0
        if self._state != "normal":  # does the section the chunks before opened end here?
            close = chunk.find(b"]]>" if self._state == "cdata" else b"-->")
            if close >= 0:
                self._state, pos = "normal", close + 3
        if self._state == "normal":
            # A section still open at the end opened after the last "]]>".
            last = chunk.rfind(b"]]>", pos)
            start = last + 3 if last >= 0 else pos
            cdata = chunk.find(b"<![CDATA[", start)
            comment = chunk.rfind(b"<!--", start) if cdata < 0 else -1
            if cdata >= 0:
                self._state, self._opened = "cdata", self._offset + cdata
            elif comment >= 0 and chunk.find(b"-->", comment) < 0:
                self._state, self._opened = "comment", self._offset + comment
        opened = self._offset + len(chunk) - self._opened if self._state != "normal" else 0
        if max(ended, self._run, opened) > LARGE:
            raise NeedsRepair(self.part)

    def _check_head(self, head: bytes) -> None:
        """Refuse what the repair pass refuses in the prolog; a head it would change
        (control characters, invalid UTF-8, no ``<`` first: UTF-16) goes to it."""
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        declared = _ENCODING_DECL.match(start)
        encoding = declared.group(1).decode().lower() if declared else "utf-8"
        utf8 = encoding.replace("_", "-") in ("utf-8", "utf8")
        if not start.startswith(b"<") or len(head.translate(None, _CONTROL_BYTES)) != len(head):
            raise NeedsRepair(self.part)
        if utf8:
            try:
                head[: len(head) - _incomplete_tail(head)].decode("utf-8")
            except UnicodeDecodeError:
                raise NeedsRepair(self.part) from None
        check_prolog(head, self.path)


class RepairingReader:
    """A read-only binary stream: the file's bytes, repaired (see the module docstring).

    ``fixes`` counts what was changed, by kind, for the source's notes.
    """

    def __init__(self, raw: BinaryIO, path: Path, *, repair_cdata: bool = False):
        self.raw = raw
        self.path = path
        self.repair_cdata = repair_cdata
        self.fixes: dict[str, int] = {}
        self._pending = b""
        self._out = bytearray()
        self._eof = False
        self._state = "normal"  # normal | cdata | comment
        self._utf8: bool | None = None
        self._carry = b""  # the start of a UTF-8 character cut by the chunk's end
        self._started = False
        self._taken = 0  # bytes handed to the parser
        self._run_start = 0  # where the current text node began (in the bytes handed on)
        self._added = 0  # bytes the prolog's repair added (other repairs shift a few bytes)

    # --- the stream API lxml uses -----------------------------------------------------

    def read(self, size: int = -1) -> bytes:
        want = CHUNK if size is None or size < 0 else max(size, 1)
        while len(self._out) < want and not (self._eof and not self._pending):
            self._fill()
        data = bytes(self._out[:want])
        del self._out[:want]
        self._taken += len(data)
        return data

    # --- internals ----------------------------------------------------------------------

    def _count(self, kind: str, n: int = 1) -> None:
        self.fixes[kind] = self.fixes.get(kind, 0) + n

    def _fill(self) -> None:
        if not self._eof:
            chunk = self.raw.read(CHUNK)
            if not chunk:
                self._eof = True
                if self._carry:
                    self._pending += self._clean_bytes(b"", final=True)
            else:
                self._pending += self._clean_bytes(chunk)
        if not self._started:
            if (
                not self._eof
                and len(self._pending) < MAX_PROLOG
                and not _ROOT.search(self._pending)
            ):
                return  # read more before looking at the prolog
            self._started = True
            self._pending = self._prolog(self._pending)
        self._process()

    def _clean_bytes(self, chunk: bytes, *, final: bool = False) -> bytes:
        if not self._started and self._utf8 is None:
            declared = _ENCODING_DECL.match(chunk.lstrip(b"\xef\xbb\xbf \t\r\n"))
            encoding = declared.group(1).decode().lower() if declared else "utf-8"
            self._utf8 = encoding.replace("_", "-") in ("utf-8", "utf8")
        if self._utf8:
            data = self._carry + chunk
            cut = len(data) if final else len(data) - _incomplete_tail(data)
            chunk, self._carry = data[:cut], data[cut:]
            try:
                chunk.decode("utf-8")
            except UnicodeDecodeError:
                text = chunk.decode("utf-8", errors="replace")
                self._count("invalid UTF-8 replaced", text.count("\ufffd") or 1)
                chunk = text.encode("utf-8")
        cleaned = chunk.translate(None, _CONTROL_BYTES)
        if len(cleaned) != len(chunk):
            self._count("control characters removed", len(chunk) - len(cleaned))
        return cleaned

    def _prolog(self, data: bytes) -> bytes:
        root = check_prolog(data, self.path)
        if root is None:
            return data
        while root is not None and root.group(1).startswith((b"!", b"?")):
            root = _ROOT.search(data, root.end())
        if root is None:
            return data
        attrs = root.group(2) or b""
        declared = {m.group(1) for m in _XMLNS.finditer(attrs)}
        missing = [p for p in KNOWN_PREFIXES if p not in declared]
        if not missing:
            return data
        if b"http://wordpress.org/export/1.1/" in attrs:
            version = b"1.1"
        elif b"http://wordpress.org/export/1.0/" in attrs:
            version = b"1.0"
        else:
            version = b"1.2"
        extra = b"".join(
            b' xmlns:%s="%s"' % (p, KNOWN_PREFIXES[p].replace(b"1.2", version)) for p in missing
        )
        end = root.end() - (2 if data[root.end() - 2 : root.end()] == b"/>" else 1)
        self._added = len(extra)
        return data[:end] + extra + data[end:]

    def _process(self) -> None:
        data = self._pending
        limit = len(data) if self._eof else len(data) - _MARGIN
        pos = 0
        out = self._out
        text_from = 0  # where the text (normal state) being handed on began in data
        while pos < limit:
            if self._state == "normal":
                m = _NORMAL.search(data, pos, limit + _MARGIN if not self._eof else len(data))
                if m is None or m.start() >= limit:
                    out += data[pos:limit]
                    pos = limit
                    break
                out += data[pos : m.start()]
                token = m.group(0)
                if token == b"&":
                    pos = self._ampersand(data, m.start())
                    continue
                self._text_run(data, text_from, m.start())
                self._run_start = self._taken + len(out)
                out += token
                pos = m.end()
                self._state = "comment" if token == b"<!--" else "cdata"
            elif self._state == "comment":
                end = data.find(b"-->", pos)
                if end < 0 or end >= limit:
                    out += data[pos:limit]
                    pos = limit
                    break
                out += data[pos : end + 3]
                pos = text_from = end + 3
                self._check_run(self._taken + len(out))
                self._state = "normal"
                self._run_start = self._taken + len(out)
            else:
                end = data.find(b"]]>", pos)
                if end < 0 or (end >= limit and not self._eof):
                    # Keep "]]" that may be the start of a "]]>" split across chunks.
                    stop = limit if self._eof else max(pos, limit - 2)
                    out += data[pos:stop]
                    pos = stop
                    break
                if self.repair_cdata and self._literal_close(data, end):
                    out += data[pos:end] + b"]]]]><![CDATA[>"
                    self._count("nested CDATA escaped")
                    pos = end + 3
                    continue
                out += data[pos : end + 3]
                pos = text_from = end + 3
                self._check_run(self._taken + len(out))
                self._state = "normal"
                self._run_start = self._taken + len(out)
        if self._eof:  # nothing more will come: let the parser judge what is left
            out += data[pos:]
            pos = len(data)
        if self._state == "normal":
            self._text_run(data, text_from, pos)
        self._check_run(self._taken + len(out))
        self._pending = data[pos:]

    def _text_run(self, data: bytes, start: int, stop: int) -> None:
        """``data[start:stop]``, text outside CDATA and comments, was just handed on: a
        ``<`` in it ends the text node that began at ``_run_start``."""
        end = self._taken + len(self._out)  # where data[stop] goes
        first = data.find(b"<", start, stop)
        if first >= 0:
            self._check_run(end - (stop - first))
            self._run_start = end - (stop - data.rfind(b"<", start, stop))

    def _check_run(self, upto: int) -> None:
        """Refuse a text node longer than MAX_VALUE: lxml (``huge_tree``, for long posts)
        would hold it whole, and reading the item copies it again."""
        if upto - self._run_start > MAX_VALUE:
            what = {"normal": "text", "cdata": "a CDATA section", "comment": "a comment"}
            raise SourceError(
                f"{what[self._state]} longer than {size_text(MAX_VALUE)} from about byte "
                f"{self._run_start - self._added}: more than a post can hold",
                file=self.path,
            )

    def _ampersand(self, data: bytes, at: int) -> int:
        m = _ENTITY.match(data, at)
        if m is None:
            self._out += b"&amp;"
            self._count("bare & escaped")
            return at + 1
        decimal, hexa, name = m.groups()
        if name is not None:
            if name in XML_ENTITIES:
                self._out += m.group(0)
            elif name in _HTML_ENTITIES:
                self._out += _HTML_ENTITIES[name]
                self._count("HTML entities made numeric")
            else:
                self._out += b"&amp;" + data[at + 1 : m.end()]
                self._count("unknown entities kept as text")
            return m.end()
        code = int(decimal) if decimal is not None else int(hexa, 16)
        if _valid_codepoint(code):
            self._out += m.group(0)
        else:
            self._out += b"&#xFFFD;"
            self._count("invalid character references replaced")
        return m.end()

    def _literal_close(self, data: bytes, end: int) -> bool:
        """Inside CDATA, is this ``]]>`` literal text rather than the section's end?"""
        after = data[end + 3 : end + 3 + _MARGIN].lstrip()
        if not after or after.startswith(b"<"):
            return False
        # Only when another "]]>" is ahead, before the next end tag: else it must close.
        following = data.find(b"]]>", end + 3)
        end_tag = data.find(b"</", end + 3)
        return following >= 0 and (end_tag < 0 or following < end_tag)
