"""The outcome of a decision: rules over the Voikko lemmas of its sentences.

A rule fires on a sentence of the päätös text; when several fire, the most specific
wins (removed, tabled, returned, rejected, amended, accepted, noted): "Asia pantiin
pöydälle. Tarkastettiin ja hyväksyttiin pöytäkirja tämän pykälän osalta" was tabled.
The handling (Käsittely, Äänestys) only turns an accepted decision into an amended one:
the presenter changed the proposal, or a counter-proposal was adopted. A text no rule
fits has no outcome.
"""

from __future__ import annotations

import re

from .text import Reader, Sentence, pairs

ACCEPTED = "accepted"
AMENDED = "amended"
REJECTED = "rejected"
TABLED = "tabled"
RETURNED = "returned"
REMOVED = "removed"
NOTED = "noted"
OUTCOMES = (ACCEPTED, AMENDED, REJECTED, TABLED, RETURNED, REMOVED, NOTED)
_PRIORITY = (REMOVED, TABLED, RETURNED, REJECTED, AMENDED, ACCEPTED, NOTED)

_ACCEPT = frozenset({"hyväksyä", "hyväksytty", "hyväksynyt", "hyväksyminen"})
_REJECT = frozenset({"hylätä", "hylätty", "hylännyt"})
_PUT = frozenset({"panna", "pantu", "jättää", "jätetty"})
_TABLE = frozenset({"pöytä"})
_RETURN = frozenset({"palauttaa", "palautettu", "palauttanut"})
_PREPARATION = frozenset({"valmistelu", "valmisteltava", "valmistella", "uudelleenvalmistelu"})
_REMOVE = frozenset({"poistaa", "poistettu", "poistanut"})
_AGENDA = frozenset({"esityslista"})
_WITHDRAW = frozenset({"peruuttaa", "vetää"})
_MARK = frozenset({"merkitä", "merkitty"})
_INFO = frozenset({"tieto"})
_CHANGE = frozenset(
    {
        "muutos",
        "muuttaa",
        "muutettu",
        "lisäys",
        "lisätä",
        "lisätty",
        "täydennys",
        "täydentää",
        "täydennetty",
        "korjaus",
        "korjata",
        "korjattu",
        "tarkistaa",
        "tarkistettu",
    }
)
# The forms that say how a proposal was accepted ("kokouksessa tehdyin muutoksin",
# "muutetun ehdotuksen", "lisäyksellä", "täydennettynä"); "hyväksyi muutokset
# hallintosääntöön" approves changes and is not one.
_CHANGE_FORMS = ("in", "na", "nä", "llä", "lla", "tun", "tyn")
_MAIN = frozenset({"päätösehdotus", "päätösesitys", "pohjaehdotus", "esitys", "ehdotus"})
_COUNTER = frozenset({"muutosehdotus", "vastaehdotus", "lisäysehdotus"})
_ACCORDING = frozenset({"mukainen", "mukaan"})
_DECISION = frozenset({"päätös"})
_BECOME = frozenset({"tulla"})
_MAKE = frozenset({"tehdä", "tehty"})
_TITLE_ENDS = ("johtaja", "esittelijä", "sihteeri", "päällikkö", "kunta", "hallitus", "valtuusto")

_SV_REMOVED = re.compile(
    r"\b(avfördes|ströks|lyftes)\b.*\b(föredragningslista|ärendelista)|\bdrog\w* tillbaka"
    r"|\båtertog\b",
    re.IGNORECASE,
)
_SV_TABLED = re.compile(r"\bbordl(ades|ägg\w*|agd\w*)\b", re.IGNORECASE)
_SV_RETURNED = re.compile(r"\båterremitt\w*|\båterförvisa\w*", re.IGNORECASE)
_SV_REJECTED = re.compile(
    r"\b(förkastades|förkastade|avslogs|avslog)\b.*\b(förslag\w*|beslutsförslag\w*)"
    r"|\b(förslaget|beslutsförslaget)\b.*\b(förkastades|avslogs)\b|^(förkastades|avslogs)\.?$",
    re.IGNORECASE,
)
_SV_ACCEPT = re.compile(r"\bgodk[äa]n\w*|\b(beslutade|beslöt|beslöts) enligt\b", re.I)
# How a decision says it was changed ("med de ändringar som gjordes", "i ändrad form");
# "godkänna ändringar i förvaltningsstadgan" approves changes and is not one.
_SV_CHANGED = re.compile(
    r"\bmed (följande |de |den |vissa )?(ändring|tillägg|komplettering|justering)\w*"
    r"|\bi ändrad form|\bändrat förslag|\bändrade förslag|\bkompletterat",
    re.IGNORECASE,
)
_SV_COUNTER = re.compile(
    r"\b(?!\w*(styrelsens|nämndens|fullmäktiges|direktörens|föredragandens)\b)"
    r"[A-ZÅÄÖ]\w+s (ändrings|mot)?förslag\b|\b(ändrings|mot)förslag"
)
_SV_MAIN_CHANGED = re.compile(r"\bföredragande\w*\b.*\bändrade\b.*\bförslag", re.IGNORECASE)
_SV_NOTED = re.compile(r"\banteckn\w*\b.*\b(för|till) kännedom\b", re.IGNORECASE)
_SV_COUNTER_WON = re.compile(
    r"\b(godkänt|godkände|godkändes|vann|blev)\b.*\b(\w+s (ändrings|mot)?förslag|ändringsförslag"
    r"\w*|motförslag\w*)",
    re.IGNORECASE,
)


class Rules:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    def counter_ref(self, s: Sentence) -> bool:
        """The sentence names a counter-proposal: "muutosehdotus", or "Virtasen
        ehdotus" (a person's name before ehdotus)."""
        if s.has(_COUNTER):
            return True
        for n in range(1, len(s.words)):
            if "ehdotus" in s.lemmas[n] and self._person_before(s, n):
                return True
        return False

    def _person_before(self, s: Sentence, n: int) -> bool:
        prev = s.words[n - 1]
        if n - 1 == 0 and not self.reader.is_name(prev):
            return False
        if any(lemma.endswith(_TITLE_ENDS) for lemma in s.lemmas[n - 1]):
            return False
        return self.reader.is_name(prev) or (prev[:1].isupper() and ":" in prev)

    def _finite_accept(self, s: Sentence) -> bool:
        """An accepting verb that is not a bare infinitive ("voidaanko hyväksyä")."""
        return any(
            not _ACCEPT.isdisjoint(ls) and w.lower() not in ("hyväksyä", "hyväksyttäväksi")
            for w, ls in zip(s.words, s.lemmas, strict=True)
        )

    @staticmethod
    def _changed(s: Sentence) -> bool:
        """The sentence says the proposal was accepted changed (not "ilman muutoksia")."""
        if s.negated():
            return False
        for n, (w, ls) in enumerate(zip(s.words, s.lemmas, strict=True)):
            if _CHANGE.isdisjoint(ls):
                continue
            # "muutoksin", "täydennettynä"; or "muutettu ehdotus" (not "muutettu talousarvio")
            following = s.lemmas[n + 1] if n + 1 < len(s.lemmas) else frozenset()
            if w.lower().endswith(_CHANGE_FORMS) or not _MAIN.isdisjoint(following):
                return True
        return False

    def fired(self, s: Sentence) -> set[str]:
        """The outcomes a sentence of a päätös text states."""
        found: set[str] = set()
        if (s.has(_REMOVE) and s.has(_AGENDA)) or (
            s.has(_WITHDRAW) and ("pois" in s.words or s.has(_MAIN | _COUNTER))
        ):
            found.add(REMOVED)
        if s.sv(_SV_REMOVED):
            found.add(REMOVED)
        if (s.has(_PUT) and s.has(_TABLE)) or s.sv(_SV_TABLED):
            found.add(TABLED)
        if (s.has(_RETURN) and s.has(_PREPARATION)) or s.sv(_SV_RETURNED):
            found.add(RETURNED)
        counter = self.counter_ref(s)
        # "hylkäsi oikaisuvaatimuksen esittelijän ehdotuksen mukaisesti" followed it
        rejects = s.has(_REJECT) and not s.has(_ACCORDING)
        if rejects and ((s.has(_MAIN) and not counter) or len(s.words) <= 2):
            found.add(REJECTED)
        if s.sv(_SV_REJECTED) and not s.sv(_SV_COUNTER):
            found.add(REJECTED)
        accepts = s.has(_ACCEPT) and not (s.has(_REJECT) and not s.has(_ACCORDING))
        by_proposal = s.has(_MAIN) and s.has(_ACCORDING)
        decided_on = s.has(_DECISION) and (s.has(_MAKE) or s.has(_BECOME))
        changed = self._changed(s)
        if (accepts or by_proposal or decided_on) and (counter or changed):
            found.add(AMENDED)
        elif accepts or by_proposal:
            found.add(ACCEPTED)
        if s.sv(_SV_ACCEPT):
            sv_changed = s.sv(_SV_CHANGED) and not re.search(r"\butan ändring", s.text, re.I)
            found.add(AMENDED if sv_changed or s.sv(_SV_COUNTER) else ACCEPTED)
        if (s.has(_MARK) and s.has(_INFO)) or s.sv(_SV_NOTED):
            found.add(NOTED)
        return found

    def amended_in_handling(self, handling: list[Sentence]) -> bool:
        """The presenter changed the proposal, or a counter-proposal was adopted."""
        for s, following in pairs(handling):
            if s.sv(_SV_MAIN_CHANGED) or s.sv(_SV_COUNTER_WON):
                return True
            if (s.negated() or s.has(_REJECT)) and not (s.has(_COUNTER) and following):
                continue
            presenter = s.has(frozenset({"esittelijä"})) or any(
                lemma.endswith("johtaja") for ls in s.lemmas[:3] for lemma in ls
            )
            changes = s.has(_CHANGE) and s.has(_MAIN) and not s.has(_COUNTER | _REJECT)
            if presenter and changes and not s.negated():
                return True
            if not self.counter_ref(s):
                continue
            if s.has(_DECISION) and s.has(_BECOME) and not s.negated():
                return True  # "päätökseksi tuli Virtasen ehdotus"
            if self._finite_accept(s) and not s.has(_REJECT) and not s.negated():
                return True
            # "voidaanko Elon muutosehdotus yksimielisesti hyväksyä. Koska ehdotusta ei
            # vastustettu, puheenjohtaja totesi kaupunginhallituksen hyväksyneen sen."
            if (
                following is not None
                and self._finite_accept(following)
                and not following.has(_REJECT)
                and not self.counter_ref(following)
                and "vastustettu" in following.text
            ):
                return True
        return False

    def outcome(self, decision: list[Sentence], handling: list[Sentence]) -> str | None:
        found: set[str] = set()
        for s in decision:
            found |= self.fired(s)
        best = next((o for o in _PRIORITY if o in found), None)
        if best == ACCEPTED and self.amended_in_handling(handling):
            return AMENDED
        return best


# Every lemma a rule here asks for (text.Reader analyses only words that may have one).
LEMMAS: frozenset[str] = frozenset().union(
    _ACCEPT,
    _REJECT,
    _PUT,
    _TABLE,
    _RETURN,
    _PREPARATION,
    _REMOVE,
    _AGENDA,
    _WITHDRAW,
    _MARK,
    _INFO,
    _CHANGE,
    _MAIN,
    _COUNTER,
    _ACCORDING,
    _DECISION,
    _BECOME,
    _MAKE,
    {"esittelijä", "ehdotus"},
)
