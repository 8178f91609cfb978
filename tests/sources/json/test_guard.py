"""The JSON guard: each limit is named at its byte, however the file is cut into chunks,
and valid JSON (escapes, brackets inside strings) passes at any chunk boundary."""

from __future__ import annotations

import json
import random

import pytest

from migrator.sources.json.guard import JsonGuard, TooBig
from migrator.sources.limits import MAX_DEPTH, MAX_KEY, MAX_VALUE


def _check(data: bytes, chunk: int) -> JsonGuard:
    guard = JsonGuard()
    for at in range(0, len(data), chunk):
        guard.check(data[at : at + chunk], at)
    return guard


def _too_big(data: bytes, chunk: int) -> TooBig:
    with pytest.raises(TooBig) as caught:
        _check(data, chunk)
    return caught.value


CHUNKS = [1, 7, 64, 4096, 65536]


@pytest.mark.parametrize("chunk", CHUNKS)
def test_valid_json_passes_at_any_chunk_boundary(chunk: int) -> None:
    rng = random.Random(chunk)
    records = [
        {
            'k\\"' * rng.randint(0, 3): ["\\" * rng.randint(0, 5) + '"[{' * rng.randint(0, 40)],
            "nested": [[[{"a": [1.5e3, -2, None, True]}]]] * rng.randint(0, 3),
            "text": "]}" * rng.randint(0, 300),
        }
        for _ in range(50)
    ]
    deepest: object = "end"
    for _ in range(MAX_DEPTH - 1):
        deepest = [deepest]
    data = json.dumps([records, deepest]).encode()
    guard = _check(data, chunk)
    assert (guard.depth, guard.string_start, guard.escaped) == (0, None, False)


@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize(
    ("data", "offset", "detail"),
    [
        (b"[" * 100_000, MAX_DEPTH, f"nested deeper than {MAX_DEPTH} levels"),
        (b'{"a":' * 1000 + b"1", 5 * MAX_DEPTH, f"nested deeper than {MAX_DEPTH} levels"),
        # Brackets in strings do not count; the level past the limit is found after them.
        (
            b'["[[[[", ' + b"[" * (MAX_DEPTH - 1) + b'"]]]"' + b"[" * 5,
            9 + MAX_DEPTH - 1 + 5,
            f"nested deeper than {MAX_DEPTH} levels",
        ),
        (b'[{"' + b"k" * (MAX_KEY + 1) + b'": 1}]', 2, "an object key longer than 4 KiB"),
    ],
)
def test_each_limit_is_named_at_its_byte(chunk: int, data: bytes, offset: int, detail: str) -> None:
    found = _too_big(data, chunk)
    assert (found.offset, found.detail) == (offset, detail)


def test_a_key_as_long_as_the_limit_passes() -> None:
    guard = _check(b'[{"' + b"k" * MAX_KEY + b'": 1}]', 4096)
    assert guard.depth == 0


@pytest.mark.parametrize("piece", [b"x", b'\\"', b"[{"])
def test_a_string_longer_than_the_value_limit_is_named_where_it_starts(piece: bytes) -> None:
    data = b'[1, "' + piece * (MAX_VALUE // len(piece) + 1)
    found = _too_big(data, 65536)
    assert (found.offset, found.detail) == (4, "a string longer than 32 MiB")


def test_a_number_across_a_whole_chunk_is_named_where_it_starts() -> None:
    found = _too_big(b"[1, " + b"1" * 200_000, 65536)
    assert (found.offset, found.detail) == (4, "a number longer than 1 KiB")


def test_strings_are_found_as_the_escapes_pair_up() -> None:
    """Every text of up to 7 bytes of ``\\``, ``"``, ``a``, ``[`` and a NUL, and long random
    ones: the quotes left unblanked are those left once each backslash pair is removed, and
    what is outside strings is what the string pattern removes."""
    import itertools
    import re

    from migrator.sources.json.guard import _STRING, _escapes_blanked, _outside_strings

    pairs = re.compile(rb"\\.", re.S)
    cases = [bytes(t) for n in range(8) for t in itertools.product(b'\\"a[\0', repeat=n)]
    rng = random.Random(7)
    cases += [bytes(rng.choice(b'\\\\"a[') for _ in range(300)) for _ in range(500)]
    for data in cases:
        plain = _escapes_blanked(data)
        assert len(plain) == len(data)
        assert plain.count(b'"') == pairs.sub(b"", data).count(b'"'), data
        if plain.count(b'"') % 2 == 0:  # a body whose strings all end in it
            assert _outside_strings(data, plain) == _STRING.sub(b"", data), data
