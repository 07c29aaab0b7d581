"""Countries each item is about, and the dateline a body opens with."""
import json

import feedparser
import pytest

from feeds.places import countries, gazetteer, split_dateline

from .conftest import BASE_URL

PANAMA_ITEMS = [
    "Border personnel in Panama exchanged experiences concerning migration management in emergency contexts",
    "Costa Rica, Panama, and the Dominican Republic Strengthened their Tools to Combat Migrant Smuggling",
    "Panama Initiates Intersectoral Dialogue on the Knowledge Economy in the New International Context",
]


@pytest.mark.parametrize("text, codes", [
    ("Guatemalan and Belizean workers met Salvadoran officials", ["GT", "BZ", "SV"]),
    ("Hondurans and Haitians in transit", ["HN", "HT"]),
    ("the Dominican Republic and Dominica", ["DO", "DM"]),
    ("migrants who arrived from Darién and Chiriqui", ["PA", "PA"]),
    ("Curaçao, Trinidad and Tobago and Guyana", ["CW", "TT", "GY"]),
    ("Venezuelans in Port of Spain", ["VE", "TT"]),
    ("a shelter in New Mexico", ["US"]),
    ("the Organization of American States and the Americas", []),
    ("Dominican authorities", []),  # Dominican Republic or Dominica: not guessed
    ("Papua New Guinea", ["PG"]),
])
def test_names_demonyms_and_places_map_to_iso_codes(text, codes):
    assert [code for code, _ in gazetteer().find(text)] == codes


def test_every_code_is_an_iso_3166_alpha_2_code_from_pycountry():
    import pycountry
    assert set(gazetteer().names.values()) <= {c.alpha_2 for c in pycountry.countries}


def test_countries_keep_their_evidence_in_order_of_first_mention():
    found = countries("Belize launches a study", "Belmopan", "Guatemalan and Belizean workers")
    assert list(found) == ["BZ", "GT"]
    assert [str(m) for m in found["BZ"]] == ["'Belize' in title", "'Belmopan' in dateline", "'Belizean' in body"]


@pytest.mark.parametrize("first, place, rest", [
    ("Georgetown, Guyana, 24 September2021", "Georgetown, Guyana", None),
    ("Puebla, Puebla – The state government opened a centre.", "Puebla, Puebla", "The state government opened a centre."),
    ("Port of Spain - The Ministry met.", "Port of Spain", "The Ministry met."),
    ("Mexico City. The institute presented data.", "Mexico City", "The institute presented data."),
    ("San José, Costa Rica, 3 March 2022 – Officials met.", "San José, Costa Rica", "Officials met."),
    ("Nassau, the Bahamas, 1 June 2022 – At the start.", "Nassau, the Bahamas", "At the start."),
])
def test_datelines_are_split_from_the_body(first, place, rest):
    got_place, paragraphs = split_dateline((first, "Second paragraph."))
    assert got_place == place
    assert paragraphs == ((rest, "Second paragraph.") if rest else ("Second paragraph.",))


@pytest.mark.parametrize("first", [
    "IOM – The International Organization for Migration opened an office.",
    "Guatemala held a virtual meeting with officials.",
    "On October 20, 2021, the third edition opened.",
    "Between 2013-2018 travellers from the Caribbean arrived.",
    "Participants. They met.",
])
def test_ordinary_openings_are_not_datelines(first):
    assert split_dateline((first,)) == (None, (first,))


def test_panama_feed_holds_exactly_the_seed_items_about_panama(site):
    for fmt in ("atom", "rss"):
        d = feedparser.parse(site[f"/countries/pa/feed.{fmt}"].body)
        assert not d.bozo and [e.title for e in d.entries] == PANAMA_ITEMS
    doc = json.loads(site["/countries/pa/feed.json"].body)
    assert [i["title"] for i in doc["items"]] == PANAMA_ITEMS
    assert doc["feed_url"] == BASE_URL + "countries/pa/feed.json"


def test_seed_countries(catalog):
    got = {item.title[:40]: item.countries for item in catalog.items}
    assert got == {
        "IOM and IIN start specialized virtual co": (),
        "IOM presents key findings to improve rec": ("BZ",),
        "Guatemala prepares to improve its labour": ("GT", "MX", "SV"),
        "Border personnel in Panama exchanged exp": ("PA",),
        "Communication for Development Campaigns ": ("MX",),
        "IOM and CELIEM strengthen management ski": (),
        "Costa Rica, Panama, and the Dominican Re": ("CR", "PA", "DO"),
        "New Study Finds Connection Between Emerg": ("GY", "VE", "US"),
        "IOM and Suriname Government launch innov": ("SR",),
        "Panama Initiates Intersectoral Dialogue ": ("PA",),
    }


def test_every_country_named_gets_feeds_and_a_page(site, catalog):
    codes = {code for item in catalog.items for code in item.countries}
    for code in codes:
        for path in ("/", "/feed.atom", "/feed.rss", "/feed.json"):
            assert f"/countries/{code.lower()}{path}" in site
        assert f'/countries/{code.lower()}/"'.encode() in site["/countries/"].body
    assert not [p for p in site if p.startswith("/countries/") and p.split("/")[2].upper() not in codes | {""}]


def test_dateline_place_is_on_the_item_page_and_not_in_the_summary(catalog, site):
    [guyana] = [item for item in catalog.items if item.title.startswith("New Study Finds")]
    assert guyana.place == "Georgetown, Guyana"
    assert guyana.summary.startswith("Between 2013-2018 travellers")
    assert "September2021" not in guyana.body
    page = site[f"/items/{guyana.slug}/"].body.decode()
    assert '<span class="place">Georgetown, Guyana</span>' in page
    [entry] = [e for e in feedparser.parse(site["/feed.atom"].body).entries if e.title == guyana.title]
    assert entry.summary.startswith("Between 2013-2018") and "<b>Georgetown, Guyana</b> — Between" in entry.content[0].value
