"""``pykala add``: documents that are not minutes, added by hand from a file or a URL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from pykala.cli import app
from pykala.harvester.add import AddError, add_document
from pykala.harvester.http import PoliteClient, Politeness
from pykala.storage import models
from pykala.storage.db import Archive
from pykala.storage.search.documents import search_documents

DOCS = Path(__file__).resolve().parents[1] / "fixtures" / "documents"
DECK = DOCS / "pdf" / "ks_sote2020_lape_tyoryhma_2016-04-19.pdf"
LAPE = DOCS / "webpage" / "pohjois-savon_lape_etusivu.html"


@pytest.fixture
def server() -> Iterator[str]:
    """127.0.0.1 serving the seed 004 page at /lape/ and a 404 elsewhere."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            found = self.path == "/lape/"
            body = LAPE.read_bytes() if found else b"not found"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_add_a_file_then_a_url(archive: Archive, server: str) -> None:
    added = add_document(archive, str(DECK), municipality="179")
    assert added.outcome == "inserted"
    assert added.document_id.startswith("sha256:")
    assert added.title == "Keski-Suomen SOTE2020 - hanke"
    assert (added.municipality_code, added.region) == ("179", "Keski-Suomi")
    assert add_document(archive, str(DECK), municipality="179").outcome == "unchanged"
    with PoliteClient(Politeness(min_interval=0)) as client:
        page = add_document(
            archive, f"{server}/lape/", client=client, region="pohjois-savo", allow_private=True
        )
        assert page.document_id == f"{server}/lape/"
        assert page.region == "Pohjois-Savo" and page.municipality_code is None
        with pytest.raises(AddError, match="HTTP 404"):
            add_document(archive, f"{server}/missing", client=client, allow_private=True)
    with archive.session() as session:
        rows = session.scalars(select(models.Document).order_by(models.Document.id)).all()
        assert [r.url for r in rows] == [None, f"{server}/lape/"]
        assert all(r.raw_page_id is not None and r.text for r in rows)
        hits = search_documents(session, "perheiden palvelut")
        assert {h.title for h in hits} >= {"Uudistuvat lasten, nuorten ja perheiden palvelut"}


def test_add_rejects_unknown_places_and_unreadable_files(archive: Archive, tmp_path: Path) -> None:
    with pytest.raises(AddError, match="unknown municipality code '999'"):
        add_document(archive, str(DECK), municipality="999")
    with pytest.raises(AddError, match="unknown region"):
        add_document(archive, str(DECK), region="Atlantis")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 nothing else")
    with pytest.raises(AddError, match="cannot read"):
        add_document(archive, str(broken))
    with archive.session() as session:  # stored raw even though it could not be read
        assert session.scalar(select(models.RawPage.size)) == len(broken.read_bytes())


def test_cli_add(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    result = CliRunner().invoke(app, ["add", str(DECK), "--db", db, "--region", "Keski-Suomi"])
    assert result.exit_code == 0, result.output
    assert "inserted: sha256:" in result.stdout and "Keski-Suomen SOTE2020" in result.stdout
    missing = CliRunner().invoke(app, ["add", str(tmp_path / "nope.pdf"), "--db", db])
    assert missing.exit_code != 0 and "cannot read" in missing.output


HOSTILE_FILES = {  # issue 12: the seven inputs that raised something other than ParseError
    "undefined-charset.html": b"<html><head><meta charset='undefined'></head><body><h1>T\xe4</h1>"
    b"<p>Teksti</p></body></html>",
    "bad-port.html": b"<html><body><h1>T</h1><p><a href='http://h.fi:notaport/'>x</a></p></body>",
    "bogus-encoding.xml": b"<?xml version='1.0' encoding='undefined'?><rss><channel><item>"
    b"<title>x</title></item></channel></rss>",
    "nul.xml": b"<?xml version='1.0' encoding='iso-\x008859-1'?><rss><channel><item>"
    b"<title>x\x00</title></item></channel></rss>",
    "control.html": b"<html><body><h1>T</h1><p>x<nav>n</nav>tail\x01 here</p></body></html>",
    "ahjo-list.json": b'{"NativeId": "x", "links": [["a"]], "MeetingID": []}',
    "nested.json": b"[" * 100_000 + b"]" * 100_000,
    "nested.pdf": b"%PDF-1.4\n1 0 obj\n" + b"[" * 100_000 + b"\nendobj\n%%EOF",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_cli_add_of_hostile_bytes_is_never_a_traceback(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(HOSTILE_FILES[name])
    result = CliRunner().invoke(app, ["add", str(path), "--db", f"sqlite:///{tmp_path / 'a.db'}"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    if result.exit_code != 0:
        errors = [line for line in result.stderr.splitlines() if line.startswith("pykala:")]
        assert result.exit_code == 2 and len(errors) == 1, result.output
        assert errors[0].startswith("pykala: error: ")
