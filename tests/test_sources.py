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
    assert len({s.name for s in sources}) == len(sources) == 322
    assert {s.platform for s in sources} == {"dynasty", "cloudnc", "tweb", "pdf"}
    by_name = {s.name: s for s in sources}
    assert by_name["kuopio"].municipality_code == "297"
    assert by_name["kuopio"].organisation_code == "297"
    assert by_name["mantta-vilppula"].municipality_name == "Mänttä-Vilppula"
    # Haapajärvi has two Dynasty URLs in the reference: both kept, the second suffixed,
    # both disabled until one is confirmed.
    haapajarvi, second = by_name["haapajarvi"], by_name["haapajarvi-2"]
    assert haapajarvi.municipality_code == second.municipality_code == "069"
    assert not haapajarvi.enabled and "2 addresses for Haapajärvi" in str(second.disabled_reason)
    # A wellbeing county: no municipality, its members' region and county.
    pohde = by_name["pohjois-pohjanmaan-hyvinvointialue"]
    assert (pohde.platform, pohde.organisation_code, pohde.municipality_code) == (
        "cloudnc",
        "19",
        None,
    )
    assert pohde.region == "Pohjois-Pohjanmaa"
    # New platforms wait for `sources check`; the Dynasty sources stay as shipped before.
    assert not pohde.enabled and "sources check --source pohjois-pohjanmaan" in str(
        pohde.disabled_reason
    )
    assert by_name["kuopio"].enabled
    assert {s.platform for s in sources if s.enabled} == {"dynasty"}
    assert pohde.wellbeing_county == "Pohjois-Pohjanmaan hyvinvointialue"
    # Every disabled source says why; an enabled one never carries a reason.
    assert all(bool(s.disabled_reason) != s.enabled for s in sources)
    # A municipality on a PDF web site: shipped, disabled with the reason.
    assert "start_urls" in str(by_name["hirvensalmi"].disabled_reason)


def test_shipped_sources_cover_every_organisation_of_the_reference() -> None:
    """Every municipality and county of the reference tables has a source, or a comment
    in the file saying why not (a platform pykala does not harvest, no address)."""
    text = SHIPPED.read_text("utf-8")
    sources = load_sources()
    with REFERENCE_CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with make_sources.COUNTIES_CSV.open(encoding="utf-8") as f:
        counties = list(csv.DictReader(f))
    claimed = {r["code"] for r in rows} | {
        make_sources.COUNTY_AS_MUNICIPALITY.get(r["county_code"], r["county_code"])
        for r in counties
    }
    covered = {s.organisation_code for s in sources}
    uncovered = claimed - covered
    assert len(claimed) == 289 + 21  # the table has no row for 19 municipalities
    assert uncovered == {"091", "153", "405", "11"}  # Ahjo and M-Files
    for code in uncovered:
        assert f"({code}): " in text
    harvestable = {"dynasty", "cloudnc", "tweb"}
    urls = {r["base_url"] for r in rows + counties if r["system"] in harvestable}
    unusable = {"https://paatokset.vantaa.fi/", "https://tweb.vaasa.fi/"}  # not KTweb folders
    assert urls - {s.base_url for s in sources} == unusable


def test_regenerating_gives_the_shipped_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m pykala.harvester.data.make_sources` with no arguments reads the shipped
    reference and writes exactly the shipped sources.toml, which the loader accepts."""
    out = tmp_path / "sources.toml"
    monkeypatch.setattr(make_sources, "SOURCES_TOML", out)
    assert make_sources.main([]) == 0
    assert out.read_text("utf-8") == SHIPPED.read_text("utf-8")
    assert len(load_sources(out)) == 322


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
    sources = load_sources(out)
    mine = [s for s in sources if s.organisation_code == "297"]
    # Two platforms for one municipality: both shipped, both disabled until confirmed.
    assert [(s.name, s.enabled) for s in mine] == [("kuopio", False), ("kuopio-cloudnc", False)]
    assert "2 addresses for Kuopio" in str(mine[0].disabled_reason)
    assert len(sources) == len(mine) + 23  # and the shipped counties' sources
    assert make_sources.main([str(table), "-o", "-"]) == 0
    assert capsys.readouterr().out == out.read_text("utf-8")


def test_shipped_sources_name_their_sources_in_words() -> None:
    """Provenance comments say what the source is; no opaque ids of a private index."""
    comments = [line for line in SHIPPED.read_text("utf-8").splitlines() if line.startswith("#")]
    assert len([c for c in comments if "; source: " in c]) == 322
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
    (entry(municipality=None), "source #1 (kuopio): field 'organisation': missing"),
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


# -- organisations --------------------------------------------------------------------------

# A joint authority with members in two regions (Uusimaa and Kanta-Häme); the Business ID
# has a valid check digit.
JOINT = """
[[organisation]]
code = "1234567-1"
type = "joint_authority"
name_fi = "Testin kuntayhtymä"
name_sv = "Testets samkommun"
members = ["049", "109"]

[[source]]
name = "testin-ky"
platform = "dynasty"
base_url = "https://testinky.oncloudos.com/cgi/DREQUEST.PHP"
organisation = "1234567-1"

[[source]]
name = "pohde"
platform = "cloudnc"
base_url = "https://pohde.cloudnc.fi"
organisation = "19"
enabled = false
disabled_reason = "not   confirmed"

[[source]]
name = "kuopio"
platform = "dynasty"
base_url = "https://kuopio.oncloudos.com/cgi/DREQUEST.PHP"
organisation = "297"
"""


def test_organisations_give_sources_their_members_places(tmp_path: Path) -> None:
    ky, pohde, kuopio = load_sources(write(tmp_path, JOINT))
    assert ky.organisation is not None and ky.organisation.type == "joint_authority"
    assert ky.organisation.members == ("049", "109")
    assert (ky.municipality_code, ky.organisation_code) == (None, "1234567-1")
    assert ky.region == "Kanta-Häme; Uusimaa"
    assert ky.wellbeing_county == "Kanta-Hämeen hyvinvointialue; Länsi-Uudenmaan hyvinvointialue"
    assert pohde.organisation is not None and pohde.organisation.type == "wellbeing_county"
    assert len(pohde.organisation.members) == 30
    assert (pohde.enabled, pohde.disabled_reason) == (False, "not confirmed")
    # organisation = "297" and municipality = "297" mean the same.
    assert (kuopio.municipality_code, kuopio.municipality_name) == ("297", "Kuopio")
    assert kuopio.region == "Pohjois-Savo"


def test_written_sources_file_loads_back_the_same(tmp_path: Path) -> None:
    from pykala.harvester.sourcesfile import write_sources

    sources = load_sources(write(tmp_path, JOINT))
    again = tmp_path / "again.toml"
    write_sources(again, sources, header=["confirmed sources"])
    assert again.read_text("utf-8").startswith("# confirmed sources\n")
    assert load_sources(again) == sources


def org(**fields: object) -> str:
    base: dict[str, object] = {
        "code": "1234567-1",
        "type": "joint_authority",
        "name_fi": "Testin kuntayhtymä",
        "members": ["049"],
    }
    base.update(fields)
    lines = ["[[organisation]]"]
    for key, value in base.items():
        if value is not None:
            rendered = str(value).replace("'", '"') if isinstance(value, list) else f'"{value}"'
            lines.append(f"{key} = {rendered}")
    return "\n".join(lines) + "\n"


ORG_BAD_CASES = [
    (
        entry(municipality=None, organisation="7654321-0"),
        "source #1 (kuopio): field 'organisation': unknown organisation code '7654321-0'",
    ),
    (
        entry(municipality=None, organisation="99"),
        "source #1 (kuopio): field 'organisation': unknown organisation code '99'",
    ),
    # The older key only names municipalities.
    (entry(municipality="19"), "field 'municipality': unknown municipality code '19'"),
    (
        entry(organisation="297"),
        "field 'municipality': give organisation or municipality, not both",
    ),
    (
        org(members=["049", "19"]),
        "organisation #1 (1234567-1): field 'members': '19' is not a municipality "
        "(Pohjois-Pohjanmaan hyvinvointialue is a wellbeing_county)",
    ),
    (org(members=["999"]), "field 'members': '999' is not a municipality code"),
    (org(members=[]), "field 'members': a joint authority needs at least one member"),
    (org(members="049"), "field 'members': must be a list of quoted municipality codes"),
    (org(code="1234567-2"), "field 'code': '1234567-2': not a valid Business ID"),
    (org(code="HSY"), "field 'code': 'HSY': a Business ID has the form 1234567-8"),
    (org(code="297", type="other"), "field 'code': '297' is already the code of Kuopio"),
    (org() + org(), "organisation #2 (1234567-1): field 'code': '1234567-1' is already"),
    (org(type="kuntayhtymä"), "field 'type': unknown type 'kuntayhtymä'"),
    (org(type="wellbeing_county"), "field 'type': wellbeing_county organisations are shipped"),
    (org(name_fi=None), "organisation #1 (1234567-1): field 'name_fi': missing"),
    (org(code=None), "organisation #1 (no code): field 'code': missing"),
    (org(colour="red"), "field 'colour': unknown key"),
    (entry(disabled_reason="x"), "field 'disabled_reason': given for an enabled source"),
    (entry(enabled=False, disabled_reason=" "), "field 'disabled_reason': must be a non-empty"),
    ("organisation = 1\n", "'organisation' must be an array of tables ([[organisation]])"),
    ("[[sources]]\n", "unknown top-level key 'sources'"),
]


@pytest.mark.parametrize(("text", "expected"), ORG_BAD_CASES)
def test_bad_organisation_is_one_line_naming_file_entry_field(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SourceConfigError) as err:
        load_sources(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_business_id_check_digit() -> None:
    from pykala.harvester.organisations import business_id_problem

    assert business_id_problem("2274241-9") is None  # remainder 2 → 9
    assert business_id_problem("0000000-0") is None  # remainder 0 → 0
    assert (
        business_id_problem("2274241-8") == "not a valid Business ID: its check digit should be 9"
    )


def test_shipped_counties_have_the_members_the_classification_counts() -> None:
    from pykala.harvester.organisations import COUNTIES_CSV, shipped_organisations

    orgs = shipped_organisations(load_municipalities())
    with COUNTIES_CSV.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["county_code"] not in ("90", "91")]
    assert len(rows) == 21
    for row in rows:
        county = orgs[row["county_code"]]
        assert (county.type, county.name_sv) == ("wellbeing_county", row["name_sv"])
        assert len(county.members) == int(row["n_municipalities"]) > 0


def test_readme_organisation_example_loads(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text("utf-8")
    block = readme.split("```toml\n[[organisation]]\n")[1].split("```")[0]
    text = "[[organisation]]\n" + block + entry(municipality=None, organisation="2274241-9")
    (source,) = load_sources(write(tmp_path, text))
    assert source.region == "Uusimaa"
    assert source.organisation is not None and len(source.organisation.members) == 4
