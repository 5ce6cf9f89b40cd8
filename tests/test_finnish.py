"""Finnish analysis against the real Voikko (libvoikko1 + voikko-fi must be installed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pykala.analysis.finnish import (
    INSTALL_HINT,
    FinnishAnalyzer,
    VoikkoUnavailable,
    WordAnalysis,
    get_analyzer,
    terms_match,
)

FORMS = Path(__file__).parent / "data" / "finnish_forms.tsv"


@pytest.fixture(scope="module")
def analyzer() -> FinnishAnalyzer:
    return get_analyzer()


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("perhekeskus", "Perhekeskustoimintamalli"),
        ("perhekeskus", "perhekeskustoimintaan"),
        ("perhekeskus", "perhekeskusten"),
        ("perhekeskus", "perhekeskusverkoston"),
        ("lastensuojelu", "lastensuojelulain"),
    ],
)
def test_issue_goals_match(analyzer: FinnishAnalyzer, query: str, word: str) -> None:
    assert analyzer.matches(query, word)


@pytest.mark.parametrize("word", ["Perhehoidon", "Kauppakeskuksen"])
def test_perhekeskus_does_not_match_neighbours(analyzer: FinnishAnalyzer, word: str) -> None:
    assert not analyzer.matches("perhekeskus", word)


def test_lautakunta_finds_both_bodies_of_an_elided_compound(analyzer: FinnishAnalyzer) -> None:
    text = "Perusturva- ja terveyslautakunta"
    tokens = list(analyzer.iter_token_analyses(text))
    assert [token for token, _ in tokens] == ["Perusturva", "ja", "terveyslautakunta"]
    prefix = tokens[0][1]
    # The prefix borrows "lautakunta" from the next word: perusturvalautakunta.
    assert "perusturvalautakunta" in prefix.lemmas
    assert terms_match(analyzer.query_terms("lautakunta"), prefix)
    assert terms_match(analyzer.query_terms("perusturva"), prefix)
    assert "lautakunta" in analyzer.analyze_word("terveyslautakunta").parts


def test_elision_chain_over_commas_and_conjunctions(analyzer: FinnishAnalyzer) -> None:
    lemmas = analyzer.analyze_text("Sosiaali-, terveys- ja ympäristölautakunnan").lemmas.split()
    assert lemmas == [
        "sosiaalilautakunta",
        "terveyslautakunta",
        "ja",
        "ympäristölautakunta",
    ]


def test_elided_prefix_without_a_compound_host_keeps_its_own_analysis(
    analyzer: FinnishAnalyzer,
) -> None:
    tokens = dict(analyzer.iter_token_analyses("perusturva- ja talous"))
    assert tokens["perusturva"].lemmas == ("perusturva",)


def test_ambiguous_word_keeps_every_lemma(analyzer: FinnishAnalyzer) -> None:
    # Voikko 4.3.1 / voikko-fi 2.5 reads "Perusturvan" as perusturpa and perusturva.
    result = analyzer.analyze_word("Perusturvan")
    assert set(result.lemmas) == {"perusturva", "perusturpa"}
    assert {"perus", "turva", "turpa"} <= set(result.parts)


def test_compound_parts_and_contiguous_runs(analyzer: FinnishAnalyzer) -> None:
    result = analyzer.analyze_word("Perhekeskustoimintamalli")
    assert result.lemmas == ("perhekeskustoimintamalli",)
    assert set(result.parts) == {
        "perhe",
        "keskus",
        "toiminta",
        "malli",
        "perhekeskus",
        "keskustoiminta",
        "toimintamalli",
        "perhekeskustoiminta",
        "keskustoimintamalli",
    }
    assert result.known


def test_final_part_is_a_lemma_and_inflected_first_part_gets_its_base(
    analyzer: FinnishAnalyzer,
) -> None:
    result = analyzer.analyze_word("lastensuojelulain")
    assert result.lemmas == ("lastensuojelulaki",)
    assert {"laki", "suojelulaki", "lastensuojelu", "lasten", "lapsi"} <= set(result.parts)
    assert "lain" not in result.parts


def test_hyphenated_word_is_split_first(analyzer: FinnishAnalyzer) -> None:
    result = analyzer.analyze_word("LAPE-työryhmä")
    assert result.lemmas == ("lape", "työryhmä")
    assert {"työ", "ryhmä"} <= set(result.parts)
    assert analyzer.query_groups("sote-uudistus") == (("sote",), ("uudistus",))


def test_unknown_word_falls_back_to_snowball_stem(analyzer: FinnishAnalyzer) -> None:
    result = analyzer.analyze_word("Essoten")
    assert result == WordAnalysis(lemmas=("essot",), parts=(), known=False)
    # Another case of the same unknown name meets it through the stem.
    assert analyzer.matches("Essote", "Essoten")


def test_unknown_compounding_form_query_matches_parts(analyzer: FinnishAnalyzer) -> None:
    assert analyzer.query_terms("sosiaali") == ("sosiaal", "sosiaali")
    assert analyzer.matches("sosiaali", "sosiaalipalvelut")


def test_analyze_text_lists_lemmas_per_token_in_order(analyzer: FinnishAnalyzer) -> None:
    result = analyzer.analyze_text("Kuopion perhekeskusten verkosto, perhekeskusten!")
    assert result.lemmas == "kuopio perhekeskus verkosto perhekeskus"
    assert result.parts == "perhe keskus perhe keskus"


def test_cache_is_per_distinct_lowercased_word() -> None:
    analyzer = FinnishAnalyzer(cache_size=16)
    first = analyzer.analyze_word("Perhekeskusten")
    assert analyzer.analyze_word("perhekeskusten") is first
    assert analyzer.analyze_word("PERHEKESKUSTEN") is first
    info = analyzer.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_cache_is_bounded() -> None:
    analyzer = FinnishAnalyzer(cache_size=2)
    for word in ["kunta", "kunnan", "kunnassa", "kuntien"]:
        analyzer.analyze_word(word)
    assert analyzer.cache_info().currsize == 2


def test_get_analyzer_is_a_singleton() -> None:
    assert get_analyzer() is get_analyzer()


def test_missing_library_is_one_line_with_install_command(tmp_path: Path) -> None:
    with pytest.raises(VoikkoUnavailable) as caught:
        FinnishAnalyzer(library_dir=str(tmp_path))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("libvoikko or its Finnish dictionary is missing")
    assert message.endswith(INSTALL_HINT)
    # The failed attempt must not leave the binding pointed at the empty directory.
    assert FinnishAnalyzer().analyze_word("kunta").known


def test_missing_dictionary_is_one_line_with_install_command() -> None:
    # A dictionary variant that is not installed fails the same way a missing voikko-fi does.
    with pytest.raises(VoikkoUnavailable) as caught:
        FinnishAnalyzer(language="fi-x-notinstalled")
    message = str(caught.value)
    assert "\n" not in message
    assert "dictionary" in message
    assert message.endswith(INSTALL_HINT)


def _labelled_pairs() -> list[tuple[str, str, bool]]:
    pairs = []
    for line in FORMS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        query, word, label, _note = line.split("\t")
        pairs.append((query, word, label == "1"))
    return pairs


def test_labelled_set_recall_and_precision(analyzer: FinnishAnalyzer) -> None:
    pairs = _labelled_pairs()
    assert len(pairs) >= 60
    assert any(not label for _, _, label in pairs)
    tp = fp = fn = 0
    for query, word, label in pairs:
        matched = analyzer.matches(query, word)
        tp += matched and label
        fp += matched and not label
        fn += label and not matched
    recall = tp / (tp + fn)
    precision = tp / (tp + fp)
    assert recall >= 0.95, f"recall {recall:.3f}"
    assert precision >= 0.9, f"precision {precision:.3f}"
