"""Mutants of the fixture pages for the fuzz test and bench/bench_fuzz.py (issue 12).

Every fixture under fixtures/ (its URL and Content-Type from its golden file, else a
made-up URL) is mutated with a fixed seed: bytes flipped, the body cut short, NUL and
other control bytes inserted, huge nesting ([[[…, <div><div>…, {"a":{"a":…), the
declared charset replaced by a bogus one, a link given a bad port or host, a JSON value
replaced by a list or an object, a slice repeated. Each mutant goes to every parser
entry point (unguarded: the functions behind harvester.platforms.PLATFORMS)
with the fixture's URL; anything but ParseError escaping is a finding.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from inspect import unwrap
from pathlib import Path

from pykala.harvester.platforms import PLATFORMS
from pykala.parsers.records import PageKind, ParseError, ParseResult

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
_SKIP_PARTS = {"tools"}  # generators, not pages
_CONTROLS = (b"\x00", b"\x01", b"\x08", b"\x0b", b"\x0c", b"\x1b", b"\x7f", b"\x85", b"\x9b")
_BAD_CHARSETS = ("undefined", "hex", "rot13", "x\x00y", "utf-7", "bogus-8", "utf-32", "")
_BAD_URLS = (
    "http://h.fi:notaport/x",
    "http://[::1/x",
    "http://h.fi:99999/x",
    "https://[zz]/x",
    "http://h.fi:-1/",
)
_NESTINGS = (b"[", b'{"a":', b"<div>", b"<b>", b"<table><tr><td>", b"<![CDATA[")
_CHARSET_RE = re.compile(rb"""(charset\s*=\s*["']?|encoding\s*=\s*["'])([A-Za-z0-9_.:-]*)""", re.I)
_HREF_RE = re.compile(rb"""(href\s*=\s*["']?|<link>|"href"\s*:\s*"|"FileURI"\s*:\s*")""", re.I)
_JSON_VALUE_RE = re.compile(rb""":\s*("[^"\\]*"|-?\d+|true|false|null)""")

Parse = Callable[[bytes, str, "str | None"], ParseResult]


@dataclass(frozen=True, slots=True)
class Seed:
    path: Path
    url: str
    content_type: str | None
    body: bytes


@dataclass(frozen=True, slots=True)
class Mutant:
    seed: Seed
    how: str
    body: bytes
    content_type: str | None
    url: str  # for the classifiers: the fixture's URL, sometimes made bad


def seeds() -> list[Seed]:
    """Every fixture file, sorted, with its URL and Content-Type."""
    found: list[Seed] = []
    for path in sorted(FIXTURES.rglob("*")):
        rel = path.relative_to(FIXTURES)
        if not path.is_file() or _SKIP_PARTS & set(rel.parts) or path.name.endswith(".json.md"):
            continue
        if path.name.endswith(".expected.json"):
            continue
        golden = path.with_name(path.name + ".expected.json")
        url, ctype = f"https://fixtures.example.fi/{rel.as_posix()}", None
        if golden.exists():
            data = json.loads(golden.read_text("utf-8"))
            url, ctype = data["url"], data["content_type"]
        found.append(Seed(path, url, ctype, path.read_bytes()))
    return found


# --- mutators: (rng, body, content type) → (how, body, content type) -----------------

Mutator = Callable[[random.Random, bytes, "str | None"], tuple[str, bytes, "str | None"]]


def _flip(rng: random.Random, body: bytes, ctype: str | None) -> tuple[str, bytes, str | None]:
    data = bytearray(body or b" ")
    n = rng.randint(1, 8)
    for _ in range(n):
        data[rng.randrange(len(data))] ^= rng.randint(1, 255)
    return f"flip {n} bytes", bytes(data), ctype


def _truncate(rng: random.Random, body: bytes, ctype: str | None) -> tuple[str, bytes, str | None]:
    cut = rng.randrange(len(body) + 1)
    return f"cut at {cut}", body[:cut], ctype


def _controls(rng: random.Random, body: bytes, ctype: str | None) -> tuple[str, bytes, str | None]:
    data = body
    n = rng.randint(1, 6)
    for _ in range(n):
        at = rng.randrange(len(data) + 1)
        data = data[:at] + rng.choice(_CONTROLS) * rng.randint(1, 3) + data[at:]
    return f"{n} control runs", data, ctype


def _nesting(rng: random.Random, body: bytes, ctype: str | None) -> tuple[str, bytes, str | None]:
    opener = rng.choice(_NESTINGS)
    depth = rng.choice((1_000, 100_000))
    at = rng.randrange(len(body) + 1)
    return f"{depth} x {opener!r}", body[:at] + opener * depth + body[at:], ctype


def _charset(rng: random.Random, body: bytes, ctype: str | None) -> tuple[str, bytes, str | None]:
    bogus = rng.choice(_BAD_CHARSETS)
    if rng.random() < 0.5 or not _CHARSET_RE.search(body):
        return f"Content-Type charset={bogus!r}", body, f"text/html; charset={bogus}"
    new = _CHARSET_RE.sub(lambda m: m.group(1) + bogus.encode("latin-1"), body, count=1)
    return f"declared charset {bogus!r}", new, ctype


def _bad_link(rng: random.Random, body: bytes, ctype: str | None) -> tuple[str, bytes, str | None]:
    bad = rng.choice(_BAD_URLS).encode()
    hits = list(_HREF_RE.finditer(body))
    if not hits:
        return f"link {bad!r} prepended", b"<a href='" + bad + b"'>x</a>" + body, ctype
    m = rng.choice(hits)
    return f"link {bad!r}", body[: m.end()] + bad + body[m.end() :], ctype


def _json_type(rng: random.Random, body: bytes, ctype: str | None) -> tuple[str, bytes, str | None]:
    hits = list(_JSON_VALUE_RE.finditer(body))
    if not hits:
        return _flip(rng, body, ctype)
    m = rng.choice(hits)
    value = m.group(1)
    new = rng.choice((b"[" + value + b"]", b"{}", b"[]", b"[[{}]]", b'{"a":' + value + b"}"))
    new = rng.choice((new, b"9" * 5000, b"-1e999", b'"/Date(99999999999999999)/"'))
    return f"JSON value -> {new[:20]!r}", body[: m.start(1)] + new + body[m.end(1) :], ctype


def _splice(rng: random.Random, body: bytes, ctype: str | None) -> tuple[str, bytes, str | None]:
    a = rng.randrange(len(body) + 1)
    b = rng.randrange(a, len(body) + 1)
    at = rng.randrange(len(body) + 1)
    return f"slice {a}:{b} repeated at {at}", body[:at] + body[a:b] * 3 + body[at:], ctype


MUTATORS: tuple[Mutator, ...] = (
    _flip,
    _truncate,
    _controls,
    _nesting,
    _charset,
    _bad_link,
    _json_type,
    _splice,
)


def _bad_page_url(rng: random.Random, url: str) -> str:
    """The URL, sometimes with a bad port or host (for the classifiers)."""
    if rng.random() < 0.8:
        return url
    return re.sub(r"^(\w+://)([^/]*)", lambda m: m.group(1) + "h.fi:" + "x" * 3, url, count=1)


def mutants(per_seed: int, seed: int = 12) -> Iterator[Mutant]:
    """``per_seed`` mutants of every fixture; each mutator in turn, so every kind of
    mutation meets every fixture once ``per_seed`` reaches len(MUTATORS)."""
    rng = random.Random(seed)
    for s in seeds():
        for n in range(per_seed):
            mutate = MUTATORS[n] if n < len(MUTATORS) else rng.choice(MUTATORS)
            how, body, ctype = mutate(rng, s.body, s.content_type)
            if rng.random() < 0.15:  # a second mutation on top
                how2, body, ctype = rng.choice(MUTATORS)(rng, body, ctype)
                how = f"{how}; {how2}"
            yield Mutant(s, how, body, ctype, _bad_page_url(rng, s.url))


# --- running -------------------------------------------------------------------------


def entry_points() -> dict[str, Parse]:
    """The parsers of harvester.platforms.PLATFORMS, unguarded: a crash is not hidden."""
    return {name: unwrap(p.parse) for name, p in PLATFORMS.items()}


@dataclass
class Finding:
    entry: str
    mutant: Mutant
    error: BaseException

    def __str__(self) -> str:
        rel = self.mutant.seed.path.relative_to(FIXTURES)
        return (
            f"{self.entry} on {rel} ({self.mutant.how}): {type(self.error).__name__}: "
            + (str(self.error).splitlines() or [""])[0][:200]
        )


@dataclass
class Tally:
    inputs: int = 0  # (mutant, entry point) pairs
    parse_errors: int = 0
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0


def run(mutant_iter: Iterator[Mutant], tally: Tally | None = None) -> Tally:
    """Feed every mutant to every parser and classifier entry point; tally what escapes."""
    tally = tally or Tally()
    parsers = entry_points()
    classifiers = {name: unwrap(p.classify) for name, p in PLATFORMS.items()}
    start = time.perf_counter()
    for m in mutant_iter:
        for name, parse in parsers.items():
            tally.inputs += 1
            try:
                result = parse(m.body, m.seed.url, m.content_type)
                assert isinstance(result, ParseResult)
            except ParseError:
                tally.parse_errors += 1
            except Exception as exc:  # the finding this harness exists for
                tally.findings.append(Finding(name, m, exc))
        for name, classify in classifiers.items():
            tally.inputs += 1
            try:
                assert isinstance(classify(m.url), PageKind)
            except ParseError:
                tally.parse_errors += 1
            except Exception as exc:
                tally.findings.append(Finding(f"classify:{name}", m, exc))
    tally.seconds += time.perf_counter() - start
    return tally
