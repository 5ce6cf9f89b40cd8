"""Tweb (KTweb) and PDF parsing: explicit field checks on real Oulu and Vantaa files,
the item-list ↔ item-PDF merge, the POST for meeting lists, and bad PDF input."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfWriter

from pykala.parsers import minutes_pdf, pdf, tweb
from pykala.parsers.records import MeetingKind, PageKind, ParseError, SectionKind

FIX = Path(__file__).resolve().parent.parent / "fixtures"
OULU = "http://asiakirjat.ouka.fi/ktwebbin"
VANTAA = "http://paatokset.vantaa.fi/ktwebbin"
K = SectionKind


def _read(rel: str) -> bytes:
    return (FIX / rel).read_bytes()


def test_classify() -> None:
    assert tweb.classify(f"{OULU}/dbisa.dll/ktwebscr/pk_tek_tweb.htm") is PageKind.BODY_LIST
    assert tweb.classify(f"{OULU}/dbisa.dll/ktwebscr/pk_kokl_tweb.htm") is PageKind.MEETING_LIST
    assert (
        tweb.classify(f"{OULU}/dbisa.dll/ktwebscr/pk_asil_tweb.htm?+bid=12867") is PageKind.MEETING
    )
    assert tweb.classify(f"{OULU}/ktproxy2.dll?doctype=3&amp;docid=632581") is PageKind.ITEM
    assert tweb.classify(f"{OULU}/dbisa.dll/ktwebscr/epjattn_tweb.htm?632581") is PageKind.UNKNOWN


def test_search_form_links_post_to_meeting_list() -> None:
    result = tweb.parse(
        _read("tweb/oulu/oulu_tweb_haku.html"), f"{OULU}/dbisa.dll/ktwebscr/pk_tek_tweb.htm"
    )
    kh = next(link for link in result.links if link.body_name == "Kaupunginhallitus")
    assert kh.kind is PageKind.MEETING_LIST
    url, form = tweb.meeting_list_request(kh.url, since=date(2017, 1, 1))
    assert url == f"{OULU}/dbisa.dll/ktwebscr/pk_kokl_tweb.htm"
    assert form == {"oper": "where", "kirjaamo": "690", "pvm1": "1.1.2017", "pvm2": ""}
    assert len(result.links) == 31  # every body once, though two forms list them


def test_oulu_item_list() -> None:
    url = f"{OULU}/dbisa.dll/ktwebscr/pk_asil_tweb.htm?+bid=12867"
    result = tweb.parse(_read("tweb/oulu/oulu_tweb_kaupunginhallitus_5_2017.html"), url)
    (meeting,) = result.meetings
    assert (meeting.external_id, meeting.body_name, meeting.date, meeting.kind) == (
        "12867", "Kaupunginhallitus", date(2017, 3, 27), MeetingKind.POYTAKIRJA,
    )  # fmt: skip
    by_id = {i.external_id: i for i in result.items}
    assert by_id["632577"].paragraph is None  # "Pöytäkirjan kansilehti": no §
    assert by_id["632581"].paragraph == "72"
    assert by_id["632581"].title == "Oulun kaupungin tilinpäätös 2016"
    assert by_id["632581"].meeting_external_id == "12867"


def test_vantaa_item_list_column_order() -> None:
    url = f"{VANTAA}/dbisa.dll/ktwebscr/pk_asil_tweb.htm?+bid=130013"
    result = tweb.parse(_read("tweb/vantaa/vantaa_tweb_kaupunginhallitus_20_3_2017.html"), url)
    item = next(i for i in result.items if i.external_id == "1135625")
    assert item.paragraph == "10"  # § first, Liitteet second, Otsikko third
    assert item.title.startswith("Kommentit valtiovarainministeriölle")


def test_oulu_item_pdf() -> None:
    url = f"{OULU}/ktproxy2.dll?doctype=3&docid=632581"
    (item,) = tweb.parse(_read("tweb/oulu/oulu_ktproxy2_632581845351090.pdf"), url).items
    assert item.external_id == "632581"
    assert item.title == "Oulun kaupungin tilinpäätös 2016"
    assert item.diary_number == "OUKA/899/02.06.01.04/2017"
    kinds = [s.kind for s in item.sections]
    assert kinds[:3] == [K.PAATOSHISTORIA, K.SELOSTUS, K.SELOSTUS]
    assert [s.heading for s in item.sections[1:3]] == ["Tiivistelmä", "Esittelyteksti"]
    assert kinds.index(K.ESITTELIJA) < kinds.index(K.PAATOSEHDOTUS) < kinds.index(K.PAATOS)
    paatos = item.section(K.PAATOS)
    assert paatos is not None and paatos.text == "Päätösesitys hyväksyttiin."
    assert "Kaupunginhallitus 20.3.2017 § 66" in item.sections[0].text
    # the running header "Oulun kaupunki / Päivämäärä" of six pages is not text
    assert all("Päivämäärä" not in s.text for s in item.sections)


def test_vantaa_item_pdf_reads_its_own_meeting_line() -> None:
    url = f"{VANTAA}/ktproxy2.dll?doctype=3&docid=510975521"
    (item,) = tweb.parse(_read("tweb/vantaa/vantaa_ktproxy2_docid_510975521.pdf"), url).items
    assert item.diary_number == "VD/1545/00.04.00/2017"
    assert (item.body_name, item.meeting_date, item.paragraph) == (
        "Kaupunginhallitus", date(2017, 3, 20), "10",
    )  # fmt: skip
    assert [s.heading for s in item.sections][:3] == ["", "", "Kaupunginjohtajan esitys:"]
    assert item.sections[0].text == "KN/PM/PH/HY-L"  # initials, kept
    paatos = item.section(K.PAATOS)
    assert paatos is not None and paatos.text.startswith("Hyväksyttiin esitys.")


def test_merge_item_fills_meeting_from_list_row() -> None:
    listed = tweb.parse(
        _read("tweb/oulu/oulu_tweb_kaupunginhallitus_5_2017.html"),
        f"{OULU}/dbisa.dll/ktwebscr/pk_asil_tweb.htm?+bid=12867",
    )
    stub = next(i for i in listed.items if i.external_id == "632581")
    (full,) = tweb.parse(
        _read("tweb/oulu/oulu_ktproxy2_632581845351090.pdf"),
        f"{OULU}/ktproxy2.dll?doctype=3&docid=632581",
    ).items
    merged = tweb.merge_item(stub, full)
    assert (merged.meeting_external_id, merged.paragraph, merged.position) == ("12867", "72", 3)
    assert merged.sections == full.sections and merged.diary_number == full.diary_number
    with pytest.raises(ValueError):
        tweb.merge_item(listed.items[0], full)


def test_word_doc_is_a_warning_not_a_crash() -> None:
    url = f"{OULU}/ktproxy2.dll?doctype=3&docid=631269"
    result = tweb.parse(_read("tweb/oulu/oulu_ktproxy2_docid_631269.doc"), url)
    assert result.page_kind is PageKind.DOCUMENT and not result.items
    assert result.warnings == ("Word .doc where a PDF was expected: not parsed",)


def _blank_pdf(encrypt: bool = False) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if encrypt:
        writer.encrypt(user_password="salainen", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (_blank_pdf(encrypt=True), "encrypted PDF: not parsed"),
        (_blank_pdf(), "scanned PDF (no text layer on 1 page(s)): not parsed"),
    ],
    ids=["encrypted", "scanned"],
)
def test_unreadable_pdf_is_a_warning(body: bytes, reason: str) -> None:
    for parse in (tweb.parse, minutes_pdf.parse):
        result = parse(body, f"{OULU}/ktproxy2.dll?doctype=3&docid=1", None)
        assert result.warnings == (reason,) and not result.items


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body where a PDF was expected"),
        (b"<html><body>Virhe 500</body></html>", "not a PDF (an HTML page)"),
        (b"GIF89a....", "not a PDF (no %PDF header)"),
    ],
)
def test_not_a_pdf_is_a_parse_error(body: bytes, reason: str) -> None:
    with pytest.raises(ParseError) as err:
        tweb.parse(body, f"{OULU}/ktproxy2.dll?doctype=3&docid=1")
    assert err.value.reason == reason


def test_truncated_pdf_never_crashes() -> None:
    whole = _read("tweb/oulu/oulu_ktproxy2_docid_395959398.pdf")
    for cut in (200, len(whole) // 3, len(whole) // 2, len(whole) - 100):
        try:
            result = tweb.parse(whole[:cut], f"{OULU}/ktproxy2.dll?doctype=3&docid=1")
        except ParseError as exc:
            assert "PDF" in exc.reason
        else:  # pypdf recovered some pages: the loss is reported
            assert any("truncated" in w for w in result.warnings)


def test_layout_columns_become_headings() -> None:
    blocks = pdf.page_blocks(
        "Päätösesitys               Merkitään tiedoksi.\n\n"
        "Kaupungin-                 Kaupunginvaltuusto tekee\n"
        "hallituksen                juhlapäätöksen.\n"
        "päätösehdotus\n"
    )
    assert [b.text for b in blocks] == [
        "Päätösesitys\tMerkitään tiedoksi.",
        "Kaupunginhallituksen päätösehdotus\tKaupunginvaltuusto tekee juhlapäätöksen.",
    ]
