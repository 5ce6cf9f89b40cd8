"""Every heading word, every rule of parsers/headings.py, one case each.

The table below is written out by hand, not read from ``HEADINGS``: it is what the
municipalities print and what each heading means. A heading dropped from the parser's
table, moved to another kind or misspelt fails its own case here, and a heading added to
the parser without a case fails ``test_every_heading_of_the_parser_has_a_case``.
"""

from __future__ import annotations

import pytest

from pykala.parsers import headings, html, sections
from pykala.parsers.html import COLUMN_BREAK, Block
from pykala.parsers.records import SectionKind

P = "paatosehdotus"
V = "valmistelija"
E = "esittelija"
S = "selostus"
KA = "kasittely"
AA = "aanestys"
ES = "esteellisyys"
PA = "paatos"
TI = "tiedoksi"
MU = "muutoksenhaku"
LI = "liitteet"
PH = "paatoshistoria"

# As printed (capitalised as on the page) → kind.
PRINTED: dict[str, str] = {
    "Päätösehdotus": P,
    "Päätösesitys": P,
    "Esitys": P,
    "Ehdotus": P,
    "Päätösehdotus oli": P,
    "Pohjaehdotus": P,
    "Ratkaisuehdotus": P,
    "Esittelijän ehdotus": P,
    "Föredragandens förslag": P,
    "Beslutsförslag": P,
    "Förslag": P,
    "Valmistelija": V,
    "Valmistelijat": V,
    "Valmistelu": V,
    "Lisätiedot": V,
    "Lisätietoja": V,
    "Valmistelijat / lisätiedot": V,
    "Valmistelija / lisätiedot": V,
    "Valmistelijat ja lisätiedot": V,
    "Lisätietojen antaja": V,
    "Valmistelijat / lisätietojen antaja": V,
    "Valmistelija / lisätietojen antaja": V,
    "Beredare": V,
    "Beredning": V,
    "Ytterligare information": V,
    "Esittelijä": E,
    "Föredragande": E,
    "Selostus": S,
    "Kuvaus": S,
    "Asia": S,
    "Perustelut": S,
    "Esittelyteksti": S,
    "Tiivistelmä": S,
    "Esittelijän perustelut": S,
    "Asian tausta": S,
    "Redogörelse": S,
    "Motivering": S,
    "Sammandrag": S,
    "Käsittely": KA,
    "Kokouskäsittely": KA,
    "Behandling": KA,
    "Äänestys": AA,
    "Äänestystulos": AA,
    "Omröstning": AA,
    "Esteellisyys": ES,
    "Esteellisyydet": ES,
    "Jäv": ES,
    "Päätös": PA,
    "Beslut": PA,
    "Tiedoksi": TI,
    "Täytäntöönpano": TI,
    "Täytäntöönpanotiedot": TI,
    "För kännedom": TI,
    "Otteet": TI,
    "Muutoksenhaku": MU,
    "Muutoksenhakuohje": MU,
    "Muutoksenhakuohjeet": MU,
    "Valitusoikeus": MU,
    "Ändringssökande": MU,
    "Anvisning för ändringssökande": MU,
    "Liitteet": LI,
    "Liite": LI,
    "Oheismateriaali": LI,
    "Bilagor": LI,
    "Bilaga": LI,
    "Päätöshistoria": PH,
    "Aikaisempi käsittely": PH,
    "Beslutshistoria": PH,
}


def test_every_heading_of_the_parser_has_a_case() -> None:
    assert {k.lower() for k in PRINTED} == set(headings.HEADINGS)


@pytest.mark.parametrize(("printed", "kind"), PRINTED.items())
def test_each_heading_in_every_spelling(printed: str, kind: str) -> None:
    for spelling in (
        printed,
        printed + ":",
        printed.upper(),
        printed.lower() + " :",
        "  " + printed.replace(" ", "   ") + "  ",
        printed.replace(" ", COLUMN_BREAK),
    ):
        assert headings.heading_kind(spelling) == kind, spelling


def _blocks(markup: str) -> list[Block]:
    root = html.build_tree(markup)
    assert root is not None
    return html.blocks(root)


@pytest.mark.parametrize(("printed", "kind"), PRINTED.items())
def test_each_heading_opens_its_section_in_an_item(printed: str, kind: str) -> None:
    # A preparer section holds names; anything else takes a sentence.
    text = "Matti Meikäläinen" if kind in (V, E) else "Asia käsiteltiin kokouksessa."
    found = sections.segment(
        _blocks(f"<p>§ 12</p><p>Otsikko</p><p>{printed}</p><p>{text}</p><p>Päätös</p><p>Ok.</p>")
    )
    first = found.sections[0]
    assert (first.heading, first.kind.value) == (printed, kind)
    assert text in (first.text, first.presenter)
    assert found.sections[-1].kind is SectionKind.PAATOS


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("Valmistelijat ja lisätiedot (etunimi.sukunimi@luvn.fi):", V),
        ("Valmistelija ja lisätiedot (puh. 044 123 4567)", V),
        ("Valmistelija ja lisätiedot", V),
        ("Lisätietoja antaa:", V),
        ("Lisätietoja antaa", V),
        ("Lisätietoja antaa hallintojohtaja", None),  # words after the prefix: a sentence
        ("Kaupunginjohtajan esitys", P),
        ("Kaupunginhallituksen päätösehdotus", P),
        ("Lautakunnan ehdotus", P),
        ("Valtuuston käsittely", KA),
        ("Asian aikaisempi käsittely", None),  # three words: no suffix rule
        ("Uusi esitys", None),  # not a genitive before the heading word
        ("Kaupunginhallituksen päätös", None),  # päätös is no suffix heading
        ("Vaikutusten arviointi", None),
        ("", None),
        (":", None),
        ("Päätös" + " x" * 40, None),  # over 80 characters: never a heading
    ],
)
def test_prefix_and_suffix_rules(heading: str, kind: str | None) -> None:
    assert headings.heading_kind(heading) == kind


@pytest.mark.parametrize(
    "word",
    [
        "Sosiaalijohtaja", "Talouspäällikkö", "Pormestari", "Hallintosihteeri",
        "Esittelijä", "Isännöitsijä", "Puheenjohtaja", "Rehtori", "Ylilääkäri", "Kamreeri",
        "Rakennusinsinööri", "Kaupunginarkkitehti", "Lakimies", "Asiamies",
        "Osastonhoitaja", "Förvaltningsdirektör", "Socialchef", "Ordförande", "Kanslist",
        "kaupunginjohtaja:", "Kunnanjohtaja,",
    ],
)  # fmt: skip
def test_every_office_title_word(word: str) -> None:
    assert headings.is_title_word(word)
    assert headings.looks_like_presenter(f"{word.rstrip(':,')} Maija Virtanen")


@pytest.mark.parametrize("word", ["Matti", "Kunta", "Valtuusto", "johtajisto", "Chefer"])
def test_words_that_are_no_office_title(word: str) -> None:
    assert not headings.is_title_word(word)


@pytest.mark.parametrize(
    ("line", "presenter"),
    [
        ("Kaupunginjohtaja", True),
        ("Kaupunginjohtaja Jari Saarinen-Virtanen", True),
        ("Teknisen toimen johtaja O'Neil Ääri", True),
        ("Kaupunginjohtaja jari saarinen", False),  # names are capitalised
        ("Kaupunginjohtaja Jari Saarinen.", False),
        ("Kaupunginjohtaja Jari Saarinen:", False),
        ("Kaupunginjohtaja Jari Saarinen;", False),
        ("Kaupunginjohtaja Jari Saarinen,", False),
        ("Vs. kaupunginjohtaja A B C D E F", True),  # eight words
        ("Vs. kaupunginjohtaja A B C D E F G", False),  # nine
        ("Matti Meikäläinen", False),  # a name without a title
        ("", False),
    ],
)
def test_presenter_lines(line: str, presenter: bool) -> None:
    assert headings.looks_like_presenter(line) is presenter


@pytest.mark.parametrize(
    ("line", "contact"),
    [
        ("Pertti Lipponen", True),
        ("puh. +358 44 718 6271", True),
        ("Tel 040 123 4567", True),
        ("etunimi.sukunimi@kuopio.fi", True),
        ("etunimi.sukunimi(at)kuopio.fi", True),
        ("Kaupunginsihteeri Maija Virtanen,", True),
        ("+358401234567", True),
        ("yksi kaksi kolme neljä viisi kuusi seitsemän kahdeksan yhdeksän kymmenen yksitoista "
         "kaksitoista", True),
        ("yksi kaksi kolme neljä viisi kuusi seitsemän kahdeksan yhdeksän kymmenen yksitoista "
         "kaksitoista kolmetoista", False),
        ("Kunta voi vaikuttaa asiaan.", False),
        ("Miksi näin?", False),
        ("Varmasti!", False),
        ("Seuraavasti:", False),
        ("puh. 044 1234567 " + "x" * 190, False),  # over 200 characters
    ],
)  # fmt: skip
def test_contact_lines(line: str, contact: bool) -> None:
    assert headings.contact_line(line) is contact


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Päätös Hyväksyttiin.", ("Päätös", PA, "Hyväksyttiin.")),
        ("Päätös: hyväksyttiin.", ("Päätös:", PA, "hyväksyttiin.")),
        ("Päätös hyväksyttiin yksimielisesti.", None),  # a sentence
        ("Valmistelu: hallintojohtaja N.N.", ("Valmistelu:", V, "hallintojohtaja N.N.")),
        ("Valmistelija matti.m@kunta.fi", ("Valmistelija", V, "matti.m@kunta.fi")),
        ("Päätösehdotus oli Hyväksytään.", ("Päätösehdotus oli", P, "Hyväksytään.")),
        ("Esitys Kaupunginjohtaja Matti Mäki", ("Esitys", P, "Kaupunginjohtaja Matti Mäki")),
        ("Esitys Hyväksytään.", None),  # ambiguous word, no presenter
        ("Asia On ollut esillä.", None),
        ("Kaupunginjohtajan esitys Kaupunginjohtaja Ari Aalto", (
            "Kaupunginjohtajan esitys", P, "Kaupunginjohtaja Ari Aalto")),
        ("Kaupunginjohtajan esitys Hyväksytään.", None),  # a suffix heading wants a presenter
        ("Päätös", None),  # nothing after it: no same-line heading
        ("Hyväksyttiin Päätös.", None),
    ],
)  # fmt: skip
def test_heading_and_text_on_one_line(line: str, expected: tuple[str, str, str] | None) -> None:
    found = headings.split_heading(Block(line), loose=True)
    if expected is None:
        assert found is None or (found.rest == "" and line == "Päätös")
    else:
        assert found is not None
        assert (found.heading, found.kind.value, found.rest) == expected
    assert headings.split_heading(Block(line)) is None or line == "Päätös"


@pytest.mark.parametrize(
    ("text", "loose", "expected"),
    [
        (f"Päätös{COLUMN_BREAK}Hyväksyttiin.", False, ("Päätös", PA, "Hyväksyttiin.", None)),
        (f"Vaikutusten arviointi{COLUMN_BREAK}", False,
         ("Vaikutusten arviointi", "other", "", None)),
        (f"vaikutusten arviointi{COLUMN_BREAK}", False, None),  # not capitalised
        (f"Vaikutukset 2025{COLUMN_BREAK}", False, None),  # a number
        (f"Yksi kaksi kolme neljä viisi{COLUMN_BREAK}", False, None),  # five words
        (f"{'Pitkä' * 9}{COLUMN_BREAK}", False, None),  # over 40 characters
        (f"Kunnanjohtaja Mika Ojala{COLUMN_BREAK}Hyväksytään.", False,
         ("", P, "Hyväksytään.", "Kunnanjohtaja Mika Ojala")),
        (f"Lähtökohdat{COLUMN_BREAK}Sisäliikuntatilojen tarve on kasvanut.", True,
         ("Lähtökohdat", "other", "Sisäliikuntatilojen tarve on kasvanut.", None)),
        (f"Lähtökohdat{COLUMN_BREAK}Sisäliikuntatilojen tarve on kasvanut.", False, None),
        (f"Vuosi{COLUMN_BREAK}2024 oli hyvä vuosi.", True, None),  # figures, not prose
        (f"Vuosi{COLUMN_BREAK}Kaksi sanaa", True, None),  # too short for prose
        (f"Vuosi{COLUMN_BREAK}Yksi{COLUMN_BREAK}kaksi kolme", True, None),  # a table
    ],
)  # fmt: skip
def test_heading_columns(
    text: str, loose: bool, expected: tuple[str, str, str, str | None] | None
) -> None:
    found = headings.split_heading(Block(text), loose=loose)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert (found.heading, found.kind.value, found.rest, found.presenter) == expected


@pytest.mark.parametrize(
    ("text", "lead", "expected"),
    [
        ("ValmistelijaMatti Meikäläinen", "Valmistelija",
         ("Valmistelija", V, "Matti Meikäläinen", None)),
        ("Kaupunginjohtaja Ari AaltoHyväksytään.", "Kaupunginjohtaja Ari Aalto",
         ("", P, "Hyväksytään.", "Kaupunginjohtaja Ari Aalto")),
        ("Vaikutusten arviointiEi vaikutuksia.", "Vaikutusten arviointi",
         ("Vaikutusten arviointi", "other", "Ei vaikutuksia.", None)),
        ("Vaikutusten arviointi", "Vaikutusten arviointi", None),  # nothing after it
        ("tässä jotainmuuta tekstiä", "tässä jotain", None),
    ],
)  # fmt: skip
def test_headings_in_a_leading_span(
    text: str, lead: str, expected: tuple[str, str, str, str | None] | None
) -> None:
    found = headings.split_heading(Block(text, lead=lead))
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert (found.heading, found.kind.value, found.rest, found.presenter) == expected


@pytest.mark.parametrize(
    ("text", "loose", "expected"),
    [
        ("Kaupunginjohtaja Ari Aalto", True, ("", P, "", "Kaupunginjohtaja Ari Aalto")),
        ("Kaupunginjohtaja Ari Aalto", False, None),
        ("Vaikutukset lapsiin", True, ("Vaikutukset lapsiin", "other", "", None)),
        ("Vaikutukset lapsiin", False, None),
    ],
)
def test_html_headings_in_an_item_body(
    text: str, loose: bool, expected: tuple[str, str, str, str | None] | None
) -> None:
    found = headings.split_heading(Block(text, heading=True), loose=loose)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert (found.heading, found.kind.value, found.rest, found.presenter) == expected
    # The same line as plain text is no heading.
    assert headings.split_heading(Block(text), loose=loose) is None


@pytest.mark.parametrize(
    "word",
    ["Asia", "Esitys", "Ehdotus", "Kuvaus", "Liite", "Liitteet", "Bilaga", "Bilagor",
     "Förslag", "Motivering", "Perustelut", "Beredning", "Lisätiedot", "Lisätietoja"],
)  # fmt: skip
def test_ambiguous_words_before_a_sentence_are_no_heading(word: str) -> None:
    # They open ordinary sentences; only a presenter after them makes them a heading.
    assert headings.split_heading(Block(f"{word} Hankkeen tavoite on selvä."), loose=True) is None
    found = headings.split_heading(Block(f"{word} Kaupunginjohtaja Ari Aalto"), loose=True)
    assert found is not None and found.rest == "Kaupunginjohtaja Ari Aalto"


@pytest.mark.parametrize(("length", "known"), [(80, True), (81, False)])
def test_a_heading_is_at_most_80_characters(length: int, known: bool) -> None:
    head = "Valmistelijat ja lisätiedot ("
    heading = head + "x" * (length - len(head) - 1) + ")"
    assert len(heading) == length
    assert (headings.heading_kind(heading) == V) is known


@pytest.mark.parametrize(
    ("head", "heading"),
    [
        ("Neljä sanaa on tässä", True),
        ("A" + "b" * 39, True),  # 40 characters
        ("A" + "b" * 40, False),  # 41
    ],
)
def test_unknown_heading_limits(head: str, heading: bool) -> None:
    found = headings.split_heading(Block(head + COLUMN_BREAK))
    assert (found is not None and found.kind is SectionKind.OTHER) is heading


@pytest.mark.parametrize(("length", "contact"), [(200, True), (201, False)])
def test_a_contact_line_is_at_most_200_characters(length: int, contact: bool) -> None:
    line = "puh. 044 123 4567 "
    assert headings.contact_line(line + "x" * (length - len(line))) is contact


def test_prose_beside_a_heading_column_needs_three_words() -> None:
    found = headings.split_heading(Block(f"Lähtökohdat{COLUMN_BREAK}Kolme sanaa tässä"), True)
    assert found is not None and found.rest == "Kolme sanaa tässä"
