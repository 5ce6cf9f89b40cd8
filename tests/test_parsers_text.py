"""Unit tests of the shared text layer: charset, blocks, the section segmenter, diary numbers."""

from __future__ import annotations

from datetime import date

import pytest

from pykala.parsers import headings, html, sections
from pykala.parsers.diary import find_diary_number, normalise_diary_number
from pykala.parsers.feeds import split_title
from pykala.parsers.records import SectionKind


def blocks_of(markup: str) -> list[html.Block]:
    root = html.build_tree(markup)
    assert root is not None
    return html.blocks(root)


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b"<meta charset='utf-8'>", "text/html; charset=ISO-8859-1", "cp1252"),
        (b"\xef\xbb\xbf<p>x</p>", None, "utf-8"),
        (b"<meta http-equiv='Content-Type' content='text/html; charset=windows-1252'>", None,
         "cp1252"),
        (b"<p>nothing declared</p>", None, None),
    ],
)  # fmt: skip
def test_detect_charset(body: bytes, content_type: str | None, expected: str | None) -> None:
    assert html.detect_charset(body, content_type) == expected


def _region(markup: str) -> list[str]:
    root = html.build_tree(markup)
    assert root is not None
    page = html.page_text(root)
    return [b.text for b in page.blocks[page.start : page.end]]


def test_data_region_both_marker_spellings() -> None:
    assert _region("<p>a</p><!--DATABEGIN--><p>b</p><!--DATAEND--><p>c</p>") == ["b"]
    assert _region("<p>a</p><!--DATA_BEGIN--><p>b</p><!--DATA_END--><p>c</p>") == ["b"]
    assert _region("<p>a</p><p>no markers</p>") == ["a", "no markers"]
    assert _region("<p>a</p><!--DATABEGIN--><p>cut short") == ["cut short"]


def test_nbsp_runs_become_one_column_break() -> None:
    (block,) = blocks_of("<p><b>Päätös</b>&nbsp; &nbsp; &nbsp; Hyväksyttiin.</p>")
    assert block.text == "Päätös\tHyväksyttiin."
    assert html.plain(block.text) == "Päätös Hyväksyttiin."


def test_table_row_is_one_line_with_columns() -> None:
    (block,) = blocks_of(
        "<table><tr><td><p>Päätös</p></td><td><p>Hyväksyttiin.</p></td></tr></table>"
    )
    assert block.text == "Päätös\tHyväksyttiin."


def test_word_style_and_comments_are_not_text() -> None:
    markup = "<style>p.MsoNormal {margin:0}</style><!-- x --><p class=MsoNormal>Teksti</p>"
    assert [b.text for b in blocks_of(markup)] == ["Teksti"]


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("Päätösesitys", SectionKind.PAATOSEHDOTUS),
        ("Esitys", SectionKind.PAATOSEHDOTUS),
        ("Valmistelijat / lisätiedot:", SectionKind.VALMISTELIJA),
        ("Valmistelijat ja lisätiedot (etunimi.sukunimi@luvn.fi):", SectionKind.VALMISTELIJA),
        ("Lisätiedot", SectionKind.VALMISTELIJA),
        ("Esittelijä", SectionKind.ESITTELIJA),
        ("Perustelut", SectionKind.SELOSTUS),
        ("Tiivistelmä", SectionKind.SELOSTUS),
        ("Muutoksenhakuohje", SectionKind.MUUTOKSENHAKU),
        ("Valitusoikeus", SectionKind.MUUTOKSENHAKU),
        ("Oheismateriaali", SectionKind.LIITTEET),
        ("Päätöshistoria", SectionKind.PAATOSHISTORIA),
        ("Beslutsförslag", SectionKind.PAATOSEHDOTUS),
        ("Beslut", SectionKind.PAATOS),
        ("Beredare", SectionKind.VALMISTELIJA),
        ("Föredragande", SectionKind.ESITTELIJA),
        ("Omröstning", SectionKind.AANESTYS),
        ("Jäv", SectionKind.ESTEELLISYYS),
        ("För kännedom", SectionKind.TIEDOKSI),
        ("Bilagor", SectionKind.LIITTEET),
        ("Vaikutusten arviointi", None),
    ],
)
def test_heading_table(heading: str, kind: SectionKind | None) -> None:
    assert headings.heading_kind(heading) is kind


@pytest.mark.parametrize(
    ("line", "presenter"),
    [
        ("Apulaiskaupunginjohtaja Jari Saarinen", True),
        ("Hyvinvointialuejohtaja Svahn Sanna", True),
        ("Teknisen toimen johtaja Olli Isotalo", True),
        ("Kaupunginjohtaja", True),
        ("Esityslista hyväksytään ja todetaan kokous lailliseksi.", False),
        ("Perusturva- ja terveyslautakunta hyväksyi yksimielisesti ehdotuksen.", False),
    ],
)
def test_presenter_line(line: str, presenter: bool) -> None:
    assert headings.looks_like_presenter(line) is presenter


def test_heading_and_text_on_one_line_and_proposal_on_next() -> None:
    found = sections.segment(
        blocks_of(
            "<p>§ 7</p><p>Otsikko</p>"
            "<p><b>Päätösehdotus</b>&nbsp;&nbsp;&nbsp;Esityslista hyväksytään.</p>"
            "<p><b>Päätös</b>&nbsp;&nbsp;&nbsp;Hyväksyttiin.</p><p>Jäsen X poistui.</p>"
        )
    )
    assert found.paragraph == "7" and found.title == "Otsikko"
    ehdotus, paatos = found.sections
    assert (ehdotus.kind, ehdotus.presenter, ehdotus.text) == (
        SectionKind.PAATOSEHDOTUS,
        None,
        "Esityslista hyväksytään.",
    )
    assert paatos.text == "Hyväksyttiin.\n\nJäsen X poistui."


def test_presenter_on_the_line_after_the_heading() -> None:
    found = sections.segment(
        blocks_of(
            "<p>Otsikko</p><p>Päätösehdotus</p><p>Kunnanjohtaja Matti Meikäläinen</p><p>Ok.</p>"
        )
    )
    (ehdotus,) = found.sections
    assert ehdotus.presenter == "Kunnanjohtaja Matti Meikäläinen"
    assert ehdotus.text == "Ok."


def test_paragraph_with_letter() -> None:
    found = sections.segment(blocks_of("<p>§ 48 a</p><p>Lisäasia</p>"))
    assert found.paragraph == "48 a"


def test_lansi_uusimaa_head() -> None:
    found = sections.segment(
        blocks_of(
            "<p>5146/01.04.00/2023</p><p>Aluehallitus 04.12.2023 § 198</p><p>§ 198</p>"
            "<p>Talousarvio 2024</p><p>Valmistelija</p><p>N.N.</p>"
        )
    )
    assert found.diary_number == "5146/01.04.00/2023"
    assert found.paragraph == "198"
    assert found.history == ["Aluehallitus 04.12.2023 § 198"]
    assert found.title == "Talousarvio 2024"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Asianro 2361/06.00.00/2020", "2361/06.00.00/2020"),
        ("5316/2016", "5316/2016"),
        ("Dno OUKA/1472/02.02.02/2017", "OUKA/1472/02.02.02/2017"),
        ("TRE:1863/10.03.02/2016", "TRE:1863/10.03.02/2016"),
        ("Asianro 26", None),
        ("00.01.01", None),
        ("Kuopion kaupunki 2361/06.00.00/2020", None),
    ],
)
def test_find_diary_number(text: str, number: str | None) -> None:
    assert find_diary_number(text) == number


def test_normalise_diary_number() -> None:
    assert normalise_diary_number("Asianro 2361/06.00.00/2020") == "2361/06.00.00/2020"
    assert normalise_diary_number("Dno ouka / 1472/02.02.02/2017") == "OUKA/1472/02.02.02/2017"
    assert normalise_diary_number("  5316 / 2016 ") == "5316/2016"


def test_split_feed_title() -> None:
    assert split_title("Kaupunginhallitus 01.02.2026 / A / B") == (
        "Kaupunginhallitus",
        date(2026, 2, 1),
        "A / B",
    )
    body, day, title = split_title("Kaupunginvaltuusto 01.01.2026")
    assert (body, title) == ("Kaupunginvaltuusto", None) and day is not None
    assert split_title("Pelkkä otsikko") == (None, None, "Pelkkä otsikko")


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("Asiakirja 101/00.01.02/2026", "101/00.01.02/2026"),
        ("Kirjaamon nro: 12/01.00/2024", "12/01.00/2024"),
        ("Ärendenr 640/00.01.01/2023", "640/00.01.01/2023"),
        ("Kaupunginhallitus päätti asiasta 101/00.01.02/2026", None),  # a sentence
        ("Asiakirja 101/2026", None),  # the short form only stands alone
    ],
)
def test_a_full_diary_number_behind_an_unknown_label_is_read_in_the_head(
    line: str, number: str | None
) -> None:
    found = sections.segment(blocks_of(f"<p>§ 5</p><p>{line}</p><p>Otsikko</p>"))
    assert found.diary_number == number
    assert found.title == ("Otsikko" if number else line)
