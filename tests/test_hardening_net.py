"""Issue 12 (network): a total deadline per request, no https → http redirect, and
``pykala add`` refusing non-public addresses and anything but a regular file.

Every server here is a real one on 127.0.0.1 (harvester.fixturesite); nothing touches
the internet. Timings are asserted with generous bounds only.
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from pykala.harvester.add import AddError, check_public
from pykala.harvester.fixturesite import Fault, ServedSite, serve
from pykala.harvester.http import FetchError, PoliteClient, Politeness
from pykala.harvester.run import harvest
from pykala.harvester.sources import load_sources
from pykala.harvester.synthsite import serve_synthetic_sites
from pykala.storage import models
from pykala.storage.db import Archive
from tests.test_add import DECK, LAPE
from tests.test_cli import ROOT, assert_one_line_error, pykala


class Pages(ServedSite):
    """A loopback site serving fixed bodies by path (robots.txt: everything allowed)."""

    def __init__(self, pages: dict[str, bytes]) -> None:
        super().__init__()
        self.robots_txt = "User-agent: *\nDisallow:\n"
        self.pages = pages

    def resolve(self, target: str) -> tuple[bytes, str] | None:
        body = self.pages.get(target)
        return None if body is None else (body, "text/html; charset=utf-8")


# -- a total deadline per request -------------------------------------------------------


def test_a_page_dripping_one_byte_per_second_fails_at_the_deadline() -> None:
    site = Pages({"/slow": b"<html>" + b"x" * 200 + b"</html>"})
    site.faults.add(Fault("/slow", trickle=1.0))
    politeness = Politeness(min_interval=0, tries=3, read_timeout=10, total_timeout=2.0)
    with serve(site), PoliteClient(politeness) as client:
        started = time.monotonic()
        with pytest.raises(FetchError) as caught:
            client.get(f"{site.base_url}/slow")
        elapsed = time.monotonic() - started
    assert caught.value.kind == "timeout"
    assert caught.value.reason == "timed out (no complete answer in 2 s)"
    assert not caught.value.permanent  # it stays queued for the next run
    assert elapsed < 2.0 + 3.0  # the deadline, not 200 bytes × 1 s (nor 3 tries of it)
    assert site.requests.count("/slow") == 1  # a deadline is not retried within the run


def test_a_harvest_fails_a_dripping_page_as_timed_out_and_keeps_it_queued(
    archive: Archive, tmp_path: Path
) -> None:
    with serve_synthetic_sites(1) as (site,):
        slow = site.item_ids()[3]
        site.faults.add(Fault(f"*meetingitem&id={slow}", trickle=1.0))
        path = tmp_path / "sources.toml"
        path.write_text(site.source_toml(), encoding="utf-8")
        politeness = Politeness(min_interval=0, tries=2, total_timeout=1.5)
        with PoliteClient(politeness) as client:
            report = harvest(archive, load_sources(path), client)
    url = f"{site.cgi_url}?page=meetingitem&id={slow}"
    assert f"synth1: timed out (no complete answer in 1.5 s): {url}" in report.error_lines()
    assert report.sources[0].failed == 1 and report.sources[0].inserted == 47
    with archive.session() as session:
        assert list(session.scalars(select(models.CrawlQueue.url))) == [url]


# -- redirects never downgrade https to http --------------------------------------------


@pytest.fixture
def tls(tmp_path: Path) -> Iterator[tuple[ssl.SSLContext, ssl.SSLContext]]:
    """(server context, client context) for a self-signed 127.0.0.1 certificate."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    yield server, ssl.create_default_context(cafile=str(cert))


def test_a_redirect_from_https_to_http_on_the_same_host_is_refused(
    tls: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    server_tls, client_tls = tls
    secure = Pages({"/page": b"<html>secure</html>", "/moved": b"<html>moved</html>"})
    politeness = Politeness(min_interval=0, tries=1)
    with (
        serve(secure, tls=server_tls),
        PoliteClient(politeness, verify=client_tls) as client,
    ):
        https_url = secure.base_url
        assert https_url.startswith("https://127.0.0.1:")
        # Same host and port, only the scheme changes: the redirect a downgrade attack uses.
        secure.faults.add(Fault("/page", redirect=f"http://{https_url[8:]}/page"))
        secure.faults.add(Fault("/hop", redirect="/moved"))
        with pytest.raises(FetchError) as caught:
            client.get(f"{https_url}/page")
        assert caught.value.kind == "redirect"
        assert caught.value.reason == "redirect from https to http refused"
        assert client.get(f"{https_url}/hop").body == b"<html>moved</html>"  # https → https
    assert secure.requests.count("/page") == 1  # the http URL was never asked for


# -- pykala add: public addresses only, regular files only ------------------------------

NOT_PUBLIC = [
    ("127.0.0.1", "loopback"),
    ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local (cloud metadata"),
    ("fe80::1%eth0", "link-local"),
    ("fd00:ec2::254", "unique-local"),
    ("100.64.0.1", "not public"),
    ("0.0.0.0", "unspecified"),
]


@pytest.mark.parametrize(("address", "kind"), NOT_PUBLIC)
def test_add_refuses_a_host_with_any_non_public_address(address: str, kind: str) -> None:
    with pytest.raises(AddError) as caught:
        # One public address does not make the host safe: every address is checked.
        check_public("https://intra.example/x", lambda host: ["93.184.216.34", address])
    message = str(caught.value)
    assert message.startswith(f"refusing https://intra.example/x: intra.example is {address}")
    assert f"a {kind}" in message and "--allow-private" in message
    assert "\n" not in message


def test_add_accepts_public_addresses() -> None:
    check_public("https://kunta.example/", lambda host: ["93.184.216.34", "2606:4700::6810:84e5"])


def test_cli_add_refuses_loopback_unless_allowed(tmp_path: Path) -> None:
    site = Pages({"/lape/": LAPE.read_bytes()})
    db = f"sqlite:///{tmp_path / 'a.db'}"
    with serve(site):
        refused = pykala("add", f"{site.base_url}/lape/", "--db", db)
        line = assert_one_line_error(refused, 2)
        assert "127.0.0.1 is 127.0.0.1, a loopback address" in line
        by_name = pykala("add", site.base_url.replace("127.0.0.1", "localhost") + "/", "--db", db)
        assert "a loopback address" in assert_one_line_error(by_name, 2)
        assert site.requests == []  # refused before anything was sent
        allowed = pykala("add", f"{site.base_url}/lape/", "--db", db, "--allow-private")
    assert allowed.returncode == 0, allowed.stderr
    size = len(LAPE.read_bytes())
    assert f"stored {size} bytes read from {site.base_url}/lape/" in allowed.stdout


def test_cli_add_reads_only_regular_files_and_says_which(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for target, kind in (
        (tmp_path, "a directory"),
        (fifo, "a FIFO"),  # opening it for reading would block forever
        (Path("/dev/zero"), "a character device"),  # reading it would never end
    ):
        line = assert_one_line_error(pykala("add", str(target), "--db", db), 2)
        assert f"cannot read {target}: {kind}" in line
    link = tmp_path / "deck.pdf"
    link.symlink_to(DECK)
    relative = os.path.relpath(link, ROOT)  # ../../tmp/…/deck.pdf, as a user might type it
    added = pykala("add", relative, "--db", db)
    assert added.returncode == 0, added.stderr
    assert f"stored {DECK.stat().st_size} bytes read from {DECK.resolve()}" in added.stdout
