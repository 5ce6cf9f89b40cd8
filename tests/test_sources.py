"""Source configuration: the shipped file loads, and every kind of mistake is one clear line."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from pykala.harvester.data import make_sources
from pykala.harvester.data.make_sources import slug
from pykala.harvester.sources import (
    SourceConfigError,
    load_municipalities,
    load_sources,
)

# The reference table the shipped sources file is generated from (harvester/data/reference).
REFERENCE_CSV = make_sources.REFERENCE_CSV
SHIPPED = Path(__file__).parents[1] / "harvester/data/sources.toml"

GOOD = """
[[source]]
name = "kuopio"
platform = "dynasty"
base_url = "http://publish.kuopio.fi:80/cgi/DREQUEST.PHP"
municipality = "297"

[[source]]
name = "alajarvi"
platform = "dynasty"
base_url = "https://example.oncloudos.com:8443/prefix/cgi/DREQUEST.PHP"
municipality = "005"
enabled = false
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def entry(**fields: object) -> str:
    base: dict[str, object] = {
        "name": "kuopio",
        "platform": "dynasty",
        "base_url": "https://kuopio.oncloudos.com/cgi/DREQUEST.PHP",
        "municipality": "297",
    }
    base.update(fields)
    lines = ["[[source]]"]
    for key, value in base.items():
        if value is None:
            continue
        rendered = f'"{value}"' if isinstance(value, str) else str(value).lower()
        lines.append(f"{key} = {rendered}")
    return "\n".join(lines) + "\n"


def test_good_file_is_joined_to_municipalities(tmp_path: Path) -> None:
    sources = load_sources(write(tmp_path, GOOD))
    assert [s.name for s in sources] == ["kuopio", "alajarvi"]
    kuopio, alajarvi = sources
    assert kuopio.municipality_code == "297"
    assert kuopio.municipality_name == "Kuopio"
    assert kuopio.region == "Pohjois-Savo"
    assert kuopio.wellbeing_county == "Pohjois-Savon hyvinvointialue"
    assert kuopio.enabled is True
    assert alajarvi.municipality_code == "005"  # leading zeros kept
    assert alajarvi.enabled is False


def test_shipped_sources_load() -> None:
    sources = load_sources()
    assert len(sources) == 152
    assert len({s.name for s in sources}) == len(sources)
    assert all(s.platform == "dynasty" for s in sources)
    by_name = {s.name: s for s in sources}
    assert by_name["kuopio"].municipality_code == "297"
    assert by_name["mantta-vilppula"].municipality_name == "Mänttä-Vilppula"
    # Haapajärvi has two Dynasty URLs in the reference: both kept, the second suffixed.
    assert by_name["haapajarvi"].municipality_code == by_name["haapajarvi-2"].municipality_code


def test_shipped_sources_cover_every_dynasty_row() -> None:
    with REFERENCE_CSV.open(encoding="utf-8") as f:
        dynasty_urls = {r["base_url"] for r in csv.DictReader(f) if r["system"] == "dynasty"}
    assert {s.base_url for s in load_sources()} == dynasty_urls


def test_regenerating_gives_the_shipped_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m pykala.harvester.data.make_sources` with no arguments reads the shipped
    reference and writes exactly the shipped sources.toml, which the loader accepts."""
    out = tmp_path / "sources.toml"
    monkeypatch.setattr(make_sources, "SOURCES_TOML", out)
    assert make_sources.main([]) == 0
    assert out.read_text("utf-8") == SHIPPED.read_text("utf-8")
    assert len(load_sources(out)) == 152


def test_generator_takes_another_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "table.csv"
    table.write_text(
        "code,name_fi,system,base_url,rss_url,source\n"
        "297,Kuopio,dynasty,https://kuopio.oncloudos.com/cgi/DREQUEST.PHP,,a list\n"
        "297,Kuopio,cloudnc,https://kuopio.cloudnc.fi,,a list\n",
        encoding="utf-8",
    )
    out = tmp_path / "mine.toml"
    assert make_sources.main([str(table), "--output", str(out)]) == 0
    assert [s.name for s in load_sources(out)] == ["kuopio"]
    assert make_sources.main([str(table), "-o", "-"]) == 0
    assert capsys.readouterr().out == out.read_text("utf-8")


def test_shipped_sources_name_their_sources_in_words() -> None:
    """Provenance comments say what the source is; no opaque ids of a private index."""
    comments = [line for line in SHIPPED.read_text("utf-8").splitlines() if line.startswith("#")]
    assert len([c for c in comments if "; source: " in c]) == 152
    assert not [c for c in comments if re.search(r"\d{8,}", c)]


def test_slug() -> None:
    assert slug("Mänttä-Vilppula") == "mantta-vilppula"
    assert slug("Koski Tl") == "koski-tl"
    assert slug("Maarianhamina - Mariehamn") == "maarianhamina-mariehamn"


def test_municipalities_match_reference() -> None:
    munis = load_municipalities()
    assert len(munis) == 308
    assert munis["005"].name_fi == "Alajärvi"
    assert munis["091"].wellbeing_county_fi == "Helsingin kaupunki"
    assert munis["297"].region_fi == "Pohjois-Savo"


def test_reference_rows_name_known_municipalities() -> None:
    munis = load_municipalities()
    with REFERENCE_CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 308
    assert all(munis[r["code"]].name_fi == r["name_fi"] for r in rows)


BAD_CASES = [
    (entry(platform="tweb2"), "source #1 (kuopio): field 'platform': unknown platform 'tweb2'"),
    (entry(base_url="ftp://x.fi/cgi/DREQUEST.PHP"), "field 'base_url': malformed URL"),
    (entry(base_url="https:///cgi/DREQUEST.PHP"), "field 'base_url': malformed URL"),
    (entry(base_url="https://kuopio.oncloudos.com/cgi/"), "must end in /cgi/DREQUEST.PHP"),
    (entry(municipality="999"), "field 'municipality': unknown municipality code '999'"),
    (entry(municipality=None), "source #1 (kuopio): field 'municipality': missing"),
    (entry(name=None), "source #1 (unnamed): field 'name': missing"),
    (entry(enabled="yes"), "field 'enabled': must be true or false"),
    (entry(colour="red"), "field 'colour': unknown key"),
    (
        entry() + entry(),
        "source #2 (kuopio): field 'name': duplicate name, already used by source #1",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD_CASES)
def test_bad_entry_is_one_line_naming_file_entry_field(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SourceConfigError) as err:
        load_sources(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_integer_municipality_code_asks_for_quotes(tmp_path: Path) -> None:
    text = entry().replace('municipality = "297"', "municipality = 5")
    with pytest.raises(SourceConfigError) as err:
        load_sources(write(tmp_path, text))
    assert "field 'municipality': must be a quoted string" in str(err.value)
    assert 'municipality = "005"' in str(err.value)


def test_toml_syntax_error_names_line(tmp_path: Path) -> None:
    text = entry() + '\n[[source]]\nname = "broken\n'
    path = write(tmp_path, text)
    with pytest.raises(SourceConfigError) as err:
        load_sources(path)
    message = str(err.value)
    assert message.startswith(f"{path}: TOML syntax error")
    assert "line 8" in message
    assert "\n" not in message


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(SourceConfigError, match="cannot read"):
        load_sources(tmp_path / "nope.toml")
