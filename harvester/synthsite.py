"""A generated Dynasty site of any size, served from memory on 127.0.0.1.

For the tests and benchmarks that need a whole, consistent municipality — every meeting
list, meeting and item present, feeds with a window, agendas that later become minutes,
new meetings published between two runs — which the saved fixture sample cannot give.
Pages are generated on request from a small model (a few hundred bytes per meeting), so a
10,000-item site costs the server almost no memory. Markup follows the Dynasty 10 pages in
fixtures/dynasty/kuopio (the same header label, tables and Word-HTML paragraphs), so the
real parser reads it.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

from pykala.harvester.fixturesite import Faults, ServedSite, serve

CGI = "/cgi/DREQUEST.PHP"
_WORDS = (
    "talousarvio",
    "kaavoitus",
    "perhekeskus",
    "koulukuljetus",
    "katuvalaistus",
    "vesihuolto",
    "palvelusetelit",
    "kirjasto",
    "liikuntapaikka",
    "avustukset",
    "hankinta",
    "tilakeskus",
    "nuorisotila",
    "päiväkoti",
    "jätehuolto",
    "sopimus",
    "vuokraus",
    "asemakaava",
    "joukkoliikenne",
    "ympäristölupa",
)
_BODIES = (
    "Kaupunginhallitus",
    "Kaupunginvaltuusto",
    "Perusturva- ja terveyslautakunta",
    "Kasvun ja oppimisen lautakunta",
    "Ympäristö- ja rakennuslautakunta",
    "Tekninen lautakunta",
    "Kulttuuri- ja liikuntalautakunta",
    "Tarkastuslautakunta",
)


@dataclass
class Meeting:
    id: str
    body: int
    day: date
    items: int
    minutes: bool = True  # False: only the agenda (esityslista) is published


class SyntheticSite(ServedSite):
    """A Dynasty tenant at ``{base_url}/cgi/DREQUEST.PHP``; see ``serve_synthetic_sites``."""

    def __init__(
        self,
        *,
        name: str = "synth",
        bodies: int = 3,
        meetings_per_body: int = 4,
        items_per_meeting: int = 4,
        feed_size: int = 100,
        today: date | None = None,
        faults: Faults | None = None,
    ) -> None:
        super().__init__(faults)
        self.robots_txt = "User-agent: *\nDisallow: /private/\n"
        self.name = name
        self.feed_size = feed_size  # Dynasty caps show= at what the tenant configured
        self.items_per_meeting = items_per_meeting
        self.body_names = [
            _BODIES[b % len(_BODIES)] + (f" {b // len(_BODIES) + 1}" if b >= len(_BODIES) else "")
            for b in range(bodies)
        ]
        self.meetings: dict[str, Meeting] = {}
        self.edits: dict[str, int] = {}  # item id → times its text was edited
        # Whether item pages print their diary number (a template change can drop it).
        self.diary_numbers = True
        self.today = today or date.today()
        self._seq = 0
        # Meetings every 14 days per body, the newest a week ago (minutes published).
        for n in range(meetings_per_body - 1, -1, -1):
            for b in range(bodies):
                self._add_meeting(b, self.today - timedelta(days=7 + 14 * n + b % 7), True)

    # -- the model ----------------------------------------------------------------------

    def _add_meeting(self, body: int, day: date, minutes: bool) -> Meeting:
        self._seq += 1
        meeting = Meeting(f"{day.year}{self._seq:06d}", body, day, self.items_per_meeting, minutes)
        self.meetings[meeting.id] = meeting
        return meeting

    def publish(self, count: int, *, minutes: bool = False) -> list[Meeting]:
        """New meetings after the newest one (agendas unless ``minutes``), bodies in turn."""
        latest = max((m.day for m in self.meetings.values()), default=self.today)
        return [
            self._add_meeting(i % len(self.body_names), latest + timedelta(days=1 + i), minutes)
            for i in range(count)
        ]

    def finalise(self, meeting_id: str) -> None:
        """The minutes of an agenda are published: the same pages now carry the päätös."""
        self.meetings[meeting_id].minutes = True

    def edit(self, item_id: str) -> None:
        """A correction to an item's text."""
        self.edits[item_id] = self.edits.get(item_id, 0) + 1

    def item_ids(self) -> list[str]:
        return [f"{m.id}-{k}" for m in self._newest_first() for k in range(1, m.items + 1)]

    def _newest_first(self) -> list[Meeting]:
        return sorted(self.meetings.values(), key=lambda m: (m.day, m.id), reverse=True)

    # -- serving ------------------------------------------------------------------------

    @property
    def cgi_url(self) -> str:
        return self.base_url + CGI

    def source_toml(self, municipality: str = "297") -> str:
        return (
            f'[[source]]\nname = "{self.name}"\nplatform = "dynasty"\n'
            f'base_url = "{self.cgi_url}"\nmunicipality = "{municipality}"\n'
        )

    def resolve(self, target: str) -> tuple[bytes, str] | None:
        parts = urlsplit(target)
        if parts.path != CGI:
            return None
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        page, ident = query.get("page", ""), query.get("id", "")
        with self._lock:
            if page == "rss/meetingitems":
                return self._feed_items(_int(query.get("show"), 30)), _XML
            if page == "rss/meetings":
                return self._feed_meetings(_int(query.get("show"), 30)), _XML
            if page == "meeting_handlers":
                return _page("Toimielimet", self._body_rows()), _HTML
            if page == "meetings" and ident.isdigit() and int(ident) < len(self.body_names):
                return self._meeting_list(int(ident)), _HTML
            if page == "meeting" and ident in self.meetings:
                return self._meeting(self.meetings[ident]), _HTML
            if page == "meetingitem":
                meeting_id, _, position = ident.partition("-")
                meeting = self.meetings.get(meeting_id)
                if (
                    meeting is not None
                    and position.isdigit()
                    and 0 < int(position) <= meeting.items
                ):
                    return self._item(meeting, int(position)), _HTML
        return None

    def _link(self, query: str) -> str:
        return f"{self.cgi_url}?{query}"

    def _feed_items(self, show: int) -> bytes:
        entries: list[str] = []
        for meeting in self._newest_first():
            for k in range(1, meeting.items + 1):
                if len(entries) == min(show, self.feed_size):
                    break
                title = (
                    f"{self.body_names[meeting.body]} {meeting.day:%d.%m.%Y} / {_title(meeting, k)}"
                )
                url = self._link(f"page=meetingitem&id={meeting.id}-{k}")
                entries.append(
                    f"<item><title><![CDATA[{title}]]></title><link><![CDATA[{url}]]></link></item>"
                )
        return _rss("Kokousasiat", entries)

    def _feed_meetings(self, show: int) -> bytes:
        entries = []
        for meeting in self._newest_first()[: min(show, self.feed_size)]:
            title = f"{self.body_names[meeting.body]} {meeting.day:%d.%m.%Y}"
            url = self._link(f"page=meeting&id={meeting.id}")
            entries.append(
                f"<item><title><![CDATA[{title}]]></title><link><![CDATA[{url}]]></link></item>"
            )
        return _rss("Kokoukset", entries)

    def _body_rows(self) -> str:
        rows = [
            f"<tr><td class='tcDat'><a href='DREQUEST.PHP?page=meetings&amp;id={b}'>"
            f"{html.escape(name)}</a></td></tr>"
            for b, name in enumerate(self.body_names)
        ]
        return "<table class='tbl'>" + "\n".join(rows) + "</table>"

    def _meeting_list(self, body: int) -> bytes:
        rows = [
            f"<tr><td class='tcDat'>&nbsp;&nbsp;{m.day:%d.%m.%Y}&nbsp;&nbsp;</td><td class='tcDat'>"
            f"<a href='DREQUEST.PHP?page=meeting&amp;id={m.id}'>{_kind(m)}</a></td></tr>"
            for m in self._newest_first()
            if m.body == body
        ]
        label = f"Kokouslistat<br>{html.escape(self.body_names[body])}"
        return _page(label, "<table class='tbl'>" + "\n".join(rows) + "</table>")

    def _meeting(self, meeting: Meeting) -> bytes:
        rows = [
            f"<tr><td class='tcDat'>&nbsp;&nbsp;{_paragraph(meeting, k)}</td><td>&nbsp;</td>"
            f"<td class='tcDat'><a href='DREQUEST.PHP?page=meetingitem&amp;id={meeting.id}-{k}'>"
            f"{html.escape(_title(meeting, k))}</a></td></tr>"
            for k in range(1, meeting.items + 1)
        ]
        label = (
            f"{html.escape(self.body_names[meeting.body])}<br>{_kind(meeting)} "
            f"{meeting.day:%d.%m.%Y} klo 15:00"
        )
        return _page(label, "<table class='tbl'>" + "\n".join(rows) + "</table>")

    def _item(self, meeting: Meeting, k: int) -> bytes:
        item_id = f"{meeting.id}-{k}"
        edits = self.edits.get(item_id, 0)
        word = _WORDS[(int(meeting.id) + k) % len(_WORDS)]
        paras = [
            f"<p class=MsoNormal><b>&sect; {_paragraph(meeting, k)}</b></p>",
            f"<p class=MsoNormal>Asianro {100 + k}/00.01.02/{meeting.day.year}</p>"
            if self.diary_numbers
            else "",
            f"<p class=MsoNormal><b>{html.escape(_title(meeting, k))}</b></p>",
            "<p class=MsoNormal>Valmistelija</p>",
            "<p class=MsoNormal>Hallintojohtaja Maija Meikäläinen, puh. 044 000 0000</p>",
            f"<p {_HANGING}><b>P&auml;&auml;t&ouml;sehdotus</b>{_TAB}"
            "Kaupunginjohtaja Matti Virtanen</p>",
            f"<p class=Sisennetty>Lautakunta hyv&auml;ksyy asian {html.escape(word)} "
            f"esityksen mukaisesti (asia {item_id}).</p>",
        ]
        if edits:
            paras.append(f"<p class=Sisennetty>Korjattu {edits} kertaa.</p>")
        if meeting.minutes:
            paras.append(f"<p {_HANGING}><b>P&auml;&auml;t&ouml;s</b>{_TAB}Hyv&auml;ksyttiin.</p>")
        label = (
            f"{html.escape(self.body_names[meeting.body])}<br>{_kind(meeting)} "
            f"{meeting.day:%d.%m.%Y}/Pyk&auml;l&auml; {_paragraph(meeting, k)}"
        )
        body = "<div class='data-part meetingitem'><div class=WordSection1>" + "\n".join(paras)
        return _page(label, body + "</div></div>")


_XML = "text/xml; charset=utf-8"
# Word's hanging indent: a section heading, a tab, then the presenter or the text.
_HANGING = "class=MsoNormal style='margin-left:130.4pt;text-indent:-130.4pt'"
_TAB = "<span style='mso-tab-count:1'>&nbsp; &nbsp; &nbsp; &nbsp; </span>"
_HTML = "text/html; charset=UTF-8"


def _int(value: str | None, default: int) -> int:
    return int(value) if value is not None and value.isdigit() else default


def _kind(meeting: Meeting) -> str:
    return "P&ouml;yt&auml;kirja" if meeting.minutes else "Esityslista"


def _paragraph(meeting: Meeting, k: int) -> int:
    return 10 * (int(meeting.id) % 1000) + k


def _title(meeting: Meeting, k: int) -> str:
    seed = int(meeting.id) * 31 + k
    words = [_WORDS[(seed >> s) % len(_WORDS)] for s in (0, 3, 6)]
    return f"{words[0].capitalize()} ja {words[1]}: {words[2]} {k}"


def _rss(title: str, entries: list[str]) -> bytes:
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title><![CDATA[Dynasty]]></title><description><![CDATA[Dynasty - {title}]]>"
        "</description>" + "".join(entries) + "</channel></rss>"
    ).encode("utf-8")


def _page(label: str, data: str) -> bytes:
    return (
        "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\">\n<html lang='fi'><head>"
        "<meta http-equiv='Content-Type' content='text/html; charset=UTF-8'>"
        "<title>Dynasty tietopalvelu</title></head><body class='bodyKokous'>\n<!--DATABEGIN-->\n"
        "<table class='tbl navigation'><tr><td class='tcTitle' align='center'>"
        f"<label class='h3'>{label}</label></td></tr></table>\n{data}\n<!--DATAEND-->\n"
        "</body></html>"
    ).encode()


def big_page(size: int) -> bytes:
    """An item page of about ``size`` bytes: plain HTML, one very long decision text (a
    ``Fault(body=...)`` for memory tests)."""
    head = b"<html><head><title>Iso liite</title></head><body><h1>Iso liite</h1>"
    unit = "<p>Kaupunginhallitus päättää hyväksyä perhekeskuksen toimintamallin.</p>\n".encode()
    tail = b"</body></html>"
    return head + unit * ((size - len(head) - len(tail)) // len(unit)) + tail


@contextmanager
def serve_synthetic_sites(count: int = 1, **options: object) -> Iterator[list[SyntheticSite]]:
    """``count`` sites, each on its own port (its own host for the harvester's limits),
    named synth1, synth2, ...; ``options`` go to SyntheticSite."""
    with ExitStack() as stack:
        sites = []
        for n in range(1, count + 1):
            site = SyntheticSite(name=f"synth{n}", **options)  # type: ignore[arg-type]
            stack.enter_context(serve(site))
            sites.append(site)
        yield sites


def sources_toml(sites: list[SyntheticSite]) -> str:
    return "\n".join(site.source_toml() for site in sites)
