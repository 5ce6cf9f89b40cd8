"""The segmenter case by case: every line kind of an item's head (§, diary number, agenda
ordinal, task class, navigation, attachment list, body name, title block, earlier handlings
in one line or a body / § / date group in each order, the item's own meeting line) with the
role ``--explain`` shows for it, and how sections open, close and take their presenter."""

from __future__ import annotations

from datetime import date

import pytest

from pykala.parsers import sections
from pykala.parsers.html import Block
from pykala.parsers.records import Section, SectionKind

Hints = sections.Hints
K = SectionKind
DAY = date(2024, 3, 12)
EIGHT = "Kasvatus- ja opetuslautakunnan jaosto ja sen yksilöasiat tänään"  # a body of 8 words
SENTENCE = "Kunta on valmistellut asiaa pitkään ja nyt se tuodaan päätettäväksi."


def seg(*lines: str | Block, hints: Hints | None = None) -> sections.ItemText:
    blocks = [line if isinstance(line, Block) else Block(line) for line in lines]
    return sections.segment(blocks, hints)


def test_the_public_names_are_there() -> None:
    assert sorted(sections.__all__) == ["Hints", "ItemText", "Role", "segment"]
    for name in sections.__all__:
        assert getattr(sections, name) is not None


# --- the head: each line kind and its role ---


def test_a_full_head_gives_each_line_its_role() -> None:
    found = seg(
        "Edellinen asia | Seuraava asia",
        "00.01.01",
        "§ 12",
        "Dno 123/00.01.00/2024",
        "Kaupunginhallitus",
        "Talousarvio 2024",
        "Päätös\tHyväksyttiin.",
        "Jäsen X poistui.",
        hints=Hints(body_name="KAUPUNGINHALLITUS"),
    )
    assert found.roles == [
        "skipped (navigation)",
        "task class",
        "§",
        "diary number",
        "body name",
        "title",
        "section heading: paatos",
        "section text: paatos",
    ]
    assert (found.paragraph, found.diary_number, found.title) == (
        "12",
        "123/00.01.00/2024",
        "Talousarvio 2024",
    )
    assert found.sections == [Section(K.PAATOS, "Päätös", "Hyväksyttiin.\n\nJäsen X poistui.")]


def test_a_linked_line_in_the_head_is_navigation_whatever_it_says() -> None:
    found = seg(Block("Kokousasia", link=True), "Otsikko")
    assert (found.roles, found.title) == (["skipped (navigation)", "title"], "Otsikko")


def test_an_agenda_ordinal_stands_for_a_missing_paragraph() -> None:
    found = seg("26", "Otsikko")
    assert (found.ordinal, found.paragraph, found.title) == ("26", None, "Otsikko")
    assert found.roles == ["agenda ordinal", "title"]


def test_a_title_block_line_is_skipped() -> None:
    found = seg("Kaupunginhallitus Pöytäkirja 12.03.2024 klo 14.00", "Otsikko")
    assert found.roles == ["title block", "title"]
    assert found.title == "Otsikko"


def test_an_attachment_list_before_the_title_is_skipped() -> None:
    found = seg(
        "Liitteet",
        "1 Hankesuunnitelma",
        Block("Asemakaavakartta", link=True),
        "kartta.pdf",
        "Liite 2. Kartta",
        "Otsikko",
        "Selostus\tTaustaa.",
    )
    assert found.roles == ["attachment list"] * 5 + ["title", "section heading: selostus"]
    assert found.title == "Otsikko"
    assert found.sections == [Section(K.SELOSTUS, "Selostus", "Taustaa.")]


def test_an_attachment_list_that_ends_the_page() -> None:
    found = seg("§ 3", "Liitteet", "1 Hankesuunnitelma")
    assert (found.paragraph, found.title, found.sections) == ("3", None, [])
    assert found.roles == ["§", "attachment list", "attachment list"]


def test_a_head_with_no_title_and_nothing_after_it() -> None:
    found = seg("§ 5", "Dno 12/2024")
    assert (found.paragraph, found.diary_number, found.title) == ("5", "12/2024", None)
    assert found.roles == ["§", "diary number"]


def test_a_heading_before_any_title_ends_the_head() -> None:
    found = seg("§ 5", "Päätös\tHyväksyttiin.")
    assert found.title is None
    assert found.sections == [Section(K.PAATOS, "Päätös", "Hyväksyttiin.")]


def test_a_very_long_first_line_is_no_title() -> None:
    long = "Sana " * 100
    found = seg("§ 5", long)
    assert found.title is None
    assert found.sections == [Section(K.SELOSTUS, "", long.strip())]


# --- earlier handlings on one line: history or the item's own meeting ---


@pytest.mark.parametrize(
    ("line", "hints", "own", "history"),
    [
        # No hints: every meeting line is an earlier handling.
        ("Kaupunginhallitus 12.3.2024 § 40", Hints(), None, True),
        # The page's date and §: the item's own line.
        ("Kaupunginhallitus 12.3.2024 § 40", Hints(meeting_date=DAY, paragraph="40"), DAY, False),
        # The page's date, another §: an earlier handling on the same day.
        ("Kaupunginhallitus 12.3.2024 § 41", Hints(meeting_date=DAY, paragraph="40"), None, True),
        # Another date: earlier.
        ("Kaupunginhallitus 1.2.2024 § 40", Hints(meeting_date=DAY, paragraph="40"), None, True),
        # The page's date, no § printed on the line: own.
        ("Kaupunginhallitus 12.3.2024", Hints(meeting_date=DAY, paragraph="40"), DAY, False),
        # The page's date, the page printed no §: own.
        ("Kaupunginhallitus 12.3.2024 § 41", Hints(meeting_date=DAY), DAY, False),
        # Only a § on the page: the line's § decides.
        ("Kaupunginhallitus 1.2.2024 § 40", Hints(paragraph="40"), date(2024, 2, 1), False),
        ("Kaupunginhallitus 1.2.2024 § 9", Hints(paragraph="40"), None, True),
        # Only a § on the page and none on the line: earlier.
        ("Kaupunginhallitus 1.2.2024", Hints(paragraph="40"), None, True),
        # Only a date on the page, another on the line.
        ("Kaupunginhallitus 1.2.2024", Hints(meeting_date=DAY), None, True),
    ],
)
def test_a_meeting_line_is_own_or_history(
    line: str, hints: Hints, own: date | None, history: bool
) -> None:
    found = seg(line, "Otsikko", hints=hints)
    assert found.own_date == own
    assert found.own_body == ("Kaupunginhallitus" if own else None)
    assert found.history == ([line] if history else [])
    assert found.roles == ["history" if history else "own meeting line", "title"]
    assert found.title == "Otsikko"


def test_the_own_lines_paragraph_is_the_items() -> None:
    found = seg("Kaupunginhallitus 12.3.2024 § 40", "Otsikko", hints=Hints(meeting_date=DAY))
    assert found.paragraph == "40"


def test_the_first_own_line_names_the_body() -> None:
    found = seg(
        "Kaupunginhallitus 12.3.2024 § 40",
        "Kh 12.3.2024 § 40",
        "Otsikko",
        hints=Hints(meeting_date=DAY, paragraph="40"),
    )
    assert (found.own_body, found.own_date, found.history) == ("Kaupunginhallitus", DAY, [])


def test_a_history_body_has_at_most_six_words() -> None:
    six = "Kasvatuksen ja opetuksen lautakunnan yksilöasioiden jaosto 12.3.2024 § 40"
    assert seg(six, "Otsikko").history == [six]
    seven = "Lausunto hankkeesta jonka aloitus on sovittu päivälle 12.3.2024"
    found = seg(seven)
    assert (found.history, found.title) == ([], seven)


def test_a_heading_with_a_history_line_after_it_is_no_history() -> None:
    found = seg("Otsikko", "Päätöshistoria\tKaupunginhallitus 20.3.2017 § 66")
    assert found.history == []
    assert [s.kind for s in found.sections] == [K.PAATOSHISTORIA]


def test_a_stray_date_between_handlings_is_history() -> None:
    found = seg("§ 40", "12.03.2024", "Otsikko")
    assert found.roles == ["§", "history", "title"]
    assert (found.paragraph, found.title) == ("40", "Otsikko")


# --- earlier handlings as a group of lines, in every order ---


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        (("Kaupunginhallitus", "12.03.2024 § 40"), "Kaupunginhallitus 12.03.2024 § 40"),
        (("Kaupunginhallitus", "§ 40 12.03.2024"), "Kaupunginhallitus § 40 12.03.2024"),
        (("Kaupunginhallitus", "12.03.2024", "§ 40"), "Kaupunginhallitus 12.03.2024 § 40"),
        (("Kaupunginhallitus", "§ 40", "12.03.2024"), "Kaupunginhallitus § 40 12.03.2024"),
        (("§ 40", "Kaupunginhallitus", "12.03.2024"), "§ 40 Kaupunginhallitus 12.03.2024"),
        ((EIGHT, "12.03.2024 § 40"), f"{EIGHT} 12.03.2024 § 40"),
    ],
)  # fmt: skip
def test_a_history_group_is_one_handling(lines: tuple[str, ...], joined: str) -> None:
    found = seg("§ 7", *lines, "Otsikko", "Päätös\tOk.")
    assert found.history == [joined]
    assert found.roles == ["§", *["history"] * len(lines), "title", "section heading: paatos"]
    assert (found.paragraph, found.title) == ("7", "Otsikko")


@pytest.mark.parametrize(
    ("lines", "own_par"),
    [
        (("Kaupunginhallitus", "12.03.2024 § 40"), "40"),
        (("Kaupunginhallitus", "12.03.2024", "§ 40"), "40"),
        (("Kaupunginhallitus", "§ 40", "12.03.2024"), "40"),
        (("§ 40", "Kaupunginhallitus", "12.03.2024"), "40"),
    ],
)
def test_a_group_of_the_pages_meeting_is_the_own_line(lines: tuple[str, ...], own_par: str) -> None:
    found = seg(*lines, "Otsikko", hints=Hints(meeting_date=DAY))
    assert (found.own_body, found.own_date, found.history) == ("Kaupunginhallitus", DAY, [])
    assert found.paragraph == own_par
    assert found.roles == [*["own meeting line"] * len(lines), "title"]


def test_a_nine_word_line_is_no_body_name() -> None:
    nine = "Yksi kaksi kolme neljä viisi kuusi seitsemän kahdeksan yhdeksän"
    found = seg(nine, "12.03.2024 § 40")
    assert (found.title, found.history) == (nine, [])


def test_a_sentence_before_a_date_is_no_body_name() -> None:
    found = seg("Asia tuli vireille:", "12.03.2024 § 40")
    assert (found.title, found.history) == ("Asia tuli vireille:", [])


def test_a_paragraph_line_after_the_title_with_nothing_else() -> None:
    found = seg("Otsikko", "§ 5")
    assert found.title == "Otsikko"
    assert found.sections == [Section(K.SELOSTUS, "", "§ 5")]


# --- the paragraph the item keeps ---


def test_the_title_blocks_paragraph_wins_over_another_paragraph_line() -> None:
    found = seg("§ 40", "§ 41", "Otsikko", hints=Hints(paragraph="41"))
    assert found.paragraph == "41"
    assert found.roles == ["skipped (another §)", "§", "title"]


def test_without_a_title_block_the_last_paragraph_line_wins() -> None:
    found = seg("§ 40", "§ 41", "Otsikko")
    assert found.paragraph == "41"
    assert found.roles == ["§", "§", "title"]


# --- the meeting line under the title (Dynasty 10) ---


def test_the_meeting_line_under_the_title_is_own_only_when_the_hints_say_so() -> None:
    lines = ("Otsikko", "Kaupunginhallitus 27.08.2026", "Kaupunginhallitus 1.2.2026 § 3")
    under = seg(*lines, hints=Hints(meeting_line_under_title=True))
    assert (under.own_body, under.own_date) == ("Kaupunginhallitus", date(2026, 8, 27))
    assert under.history == ["Kaupunginhallitus 1.2.2026 § 3"]
    assert under.roles == ["title", "own meeting line", "history"]
    plain = seg(*lines)
    assert (plain.own_body, plain.own_date) == (None, None)
    assert plain.history == list(lines[1:])
    assert plain.roles == ["title", "history", "history"]


def test_a_diary_number_under_the_title() -> None:
    found = seg("Otsikko", "Dno 12/00.01/2024", "Kaupunginhallitus 1.2.2026 § 3", "Taustaa.")
    assert (found.diary_number, found.history) == (
        "12/00.01/2024",
        ["Kaupunginhallitus 1.2.2026 § 3"],
    )
    assert found.roles == ["title", "diary number", "history", "section text: selostus"]


# --- sections ---


def test_text_without_a_heading_is_one_selostus_section() -> None:
    found = seg("Otsikko", "Ensimmäinen kappale taustaa.", "Toinen kappale taustaa.")
    assert found.sections == [
        Section(K.SELOSTUS, "", "Ensimmäinen kappale taustaa.\n\nToinen kappale taustaa.")
    ]
    assert found.roles[1:] == ["section text: selostus"] * 2


def test_a_heading_and_its_text_after_plain_spaces_in_the_body() -> None:
    found = seg("Otsikko", "Päätös Hyväksyttiin.")
    assert found.sections == [Section(K.PAATOS, "Päätös", "Hyväksyttiin.")]


def test_a_presenter_like_line_opens_no_presenter_outside_the_proposal() -> None:
    found = seg("Otsikko", "Päätös", "Kunnanjohtaja Matti Meikäläinen", "Hyväksyttiin.")
    assert found.sections == [
        Section(K.PAATOS, "Päätös", "Kunnanjohtaja Matti Meikäläinen\n\nHyväksyttiin.")
    ]


def test_only_the_first_line_after_a_bare_proposal_heading_is_its_presenter() -> None:
    found = seg("Otsikko", "Päätösehdotus", "Hyväksytään.", "Kunnanjohtaja Matti Meikäläinen")
    assert found.sections == [
        Section(K.PAATOSEHDOTUS, "Päätösehdotus", "Hyväksytään.\n\nKunnanjohtaja Matti Meikäläinen")
    ]
    found = seg("Otsikko", "Päätösehdotus", "Kunnanjohtaja Matti Meikäläinen", "Hyväksytään.")
    assert found.sections == [
        Section(K.PAATOSEHDOTUS, "Päätösehdotus", "Hyväksytään.", "Kunnanjohtaja Matti Meikäläinen")
    ]
    assert found.roles == ["title", "section heading: paatosehdotus", "section text: presenter",
                           "section text: paatosehdotus"]  # fmt: skip


def test_a_presenter_on_the_proposal_heading_line() -> None:
    found = seg("Otsikko", "Päätösehdotus\tKunnanjohtaja Matti Meikäläinen", "Hyväksytään.")
    assert found.sections == [
        Section(K.PAATOSEHDOTUS, "Päätösehdotus", "Hyväksytään.", "Kunnanjohtaja Matti Meikäläinen")
    ]


def test_a_preparer_section_ends_at_the_first_line_that_is_no_name() -> None:
    found = seg(
        "Otsikko",
        "Valmistelija\tHallintojohtaja Matti Meikäläinen",
        "puh. 044 123 4567",
        SENTENCE,
    )
    names = "Hallintojohtaja Matti Meikäläinen\n\npuh. 044 123 4567"
    assert found.sections == [
        Section(K.VALMISTELIJA, "Valmistelija", names),
        Section(K.SELOSTUS, "", SENTENCE),
    ]


def test_a_bare_presenter_heading_keeps_the_text_after_it() -> None:
    # CloudNC prints the proposal under a bare "Esittelijä": it is no names-only section.
    found = seg(
        "Otsikko",
        "Esittelijä",
        SENTENCE,
    )
    assert found.sections == [Section(K.ESITTELIJA, "Esittelijä", SENTENCE)]


def test_a_body_and_a_date_with_no_paragraph_anywhere_is_no_handling() -> None:
    # A handling needs its §: on the date line, after it, or just before the body's name.
    found = seg(
        "Kaupunginhallitus", "12.03.2024", "Otsikko", hints=Hints(body_name="Kaupunginhallitus")
    )
    assert (found.history, found.own_date, found.paragraph) == ([], None, None)
    assert found.roles[0] == "body name"


def test_a_paragraph_sign_after_the_number() -> None:
    found = seg("48 §", "Otsikko")
    assert (found.paragraph, found.roles) == ("48", ["§", "title"])


def test_a_meeting_line_under_the_title_with_the_pages_paragraph_is_own() -> None:
    found = seg("Otsikko", "Kaupunginhallitus 1.2.2026 § 3", hints=Hints(paragraph="3"))
    assert (found.own_body, found.own_date, found.history) == (
        "Kaupunginhallitus",
        date(2026, 2, 1),
        [],
    )


def test_a_body_name_and_a_date_that_end_the_page() -> None:
    found = seg("Kaupunginhallitus", "12.03.2024", hints=Hints(body_name="Kaupunginhallitus"))
    assert found.history == [] and found.roles[0] == "body name"


def test_a_bare_heading_other_than_attachments_ends_the_head() -> None:
    found = seg("§ 5", "Päätös", "Hyväksyttiin.")
    assert found.sections == [Section(K.PAATOS, "Päätös", "Hyväksyttiin.")]
    assert found.roles == ["§", "section heading: paatos", "section text: paatos"]


def test_a_title_may_have_400_characters_but_not_more() -> None:
    assert seg("§ 5", "A" * 400).title == "A" * 400
    assert seg("§ 5", "A" * 401).title is None
