"""When, with what and where a photo was taken, from its EXIF header: how a person finds a phone's photos.

A phone names its photos `IMG_4021.HEIC`: the name and folder say nothing. What a person remembers
is when ("June 2024", "2023年春节"), and the photo's EXIF knows it. A photo that is its own document
(see `photos.py`) gets, in `meta["properties"]`:

- `taken`: DateTimeOriginal (else DateTimeDigitized) as ISO date-time, as the camera wrote it, with
  OffsetTimeOriginal when given (`2024-06-12T18:30:05+09:00`). Not DateTime: it is when the file
  last changed (an editor's export writes it), and a wrong date hides a photo where it is looked for;
- `camera`: Make and Model, the make left out when the model already says it ("Apple iPhone 13",
  "Canon EOS 40D" from "Canon" + "Canon EOS 40D");
- `place`: the GPS position as "lat, lon" in decimal degrees, 5 places (about a metre);
- `place_name`: the town there, "Kyoto, Japan", or only the country far from any (`places.py`),
  in the photo's keyword text (`schema.searchable_text`), not in words the model reads: the
  photo's vectors do not depend on the gazetteer, so naming photos (or better data) re-embeds none.
  The town's names in other languages and scripts (Kioto, Киото, 京都) are kept beside it
  (`meta["place_names"]`), not searched as text: a query naming it so searches "Kyoto" too
  (`indexer.place_names`).

and words in its text, the date the ways people type it ("2024-06-12", "12 June 2024", "June 2024",
"2024年6月12日") and the camera's name, so keyword search finds it by either.

Time zones: EXIF's date-time is the wall clock where the photo was taken, and that is the day the
person lived: an evening photo in Tokyo on 12 June is "12 June", though it was the 12th's morning
in London. So the date words are the camera's local date, never converted; the offset (written by
phones since EXIF 2.31) is kept in `taken` so the instant can be worked out, and is absent, not
guessed, when the camera did not write it.

Not found by words: a named day or a relative time ("2023年春节", "last summer's trip"): the
festival's date moves each year, "last summer" needs the day the query is typed; the date filter
(`search --taken 2023-01`, `indexer.hits.Filters.taken`) finds such a month.

Only the header is read (Pillow reads EXIF from the file's APP1 segment, or pillow-heif's metadata
box, without decoding a pixel). A photo without EXIF (a screenshot, a messenger's copy stripped of
it) has no facts; a damaged EXIF block (cameras and editors write every malformation, and Pillow
raises many kinds of error on them) gives none of what it spoils and never stops indexing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from PIL import Image

from indexer.sources.places import place_at

_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_MAKE, _MODEL = 0x010F, 0x0110
_ORIGINAL, _DIGITIZED = 0x9003, 0x9004
_OFFSETS = {_ORIGINAL: 0x9011, _DIGITIZED: 0x9012}  # OffsetTimeOriginal, OffsetTimeDigitized
_LAT_REF, _LAT, _LON_REF, _LON = 1, 2, 3, 4
_DATE = re.compile(r"(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"[+-]\d{2}:\d{2}")
_MONTHS = "January February March April May June July August September October November December".split()


@dataclass(frozen=True)
class PhotoFacts:
    taken: str = ""  # ISO date-time as the camera wrote it (local), with its offset when written
    camera: str = ""
    place: str = ""  # "lat, lon"
    place_name: str = ""  # "Kyoto, Japan"
    place_names: tuple[tuple[str, str], ...] = ()  # ("京都", "Kyoto"): see `indexer.place_names`

    def properties(self) -> dict[str, str]:
        found = {"taken": self.taken, "camera": self.camera, "place": self.place}
        return {k: v for k, v in (found | {"place_name": self.place_name}).items() if v}

    def words(self) -> str:
        """The date the ways people type it, then the camera: a line of the photo's text."""
        found = []
        if self.taken:
            year, month, day = int(self.taken[:4]), int(self.taken[5:7]), int(self.taken[8:10])
            found += [self.taken[:10], f"{day} {_MONTHS[month - 1]} {year}", f"{_MONTHS[month - 1]} {year}"]
            found.append(f"{year}年{month}月{day}日")
        if self.camera:
            found.append(self.camera)
        return " · ".join(found)


def photo_facts(image: Image.Image) -> PhotoFacts | None:
    """The facts of an opened picture's EXIF header; None when it has none (or none readable)."""
    exif = _read(_block, image)
    if not exif:
        return None
    position = _read(_position, exif)
    where = f"{position[0]:.5f}, {position[1]:.5f}" if position else ""
    place = place_at(*position) if position else None  # the gazetteer loads at the first position
    named = (place.name, place.names) if place else ("", ())
    facts = PhotoFacts(_read(_taken, exif), _read(_camera, exif), where, *named)
    return facts if facts.properties() else None


def _read(part, exif):
    """One fact, or "" (None for the block itself) when its tags are missing or damaged: a damaged
    sub-IFD or a tag of the wrong type spoils only its own fact."""
    try:
        return part(exif)
    except Exception:  # Pillow raises SyntaxError, struct.error, ValueError, KeyError, ... on them
        return "" if part is not _block else None


def _block(image: Image.Image) -> Image.Exif | None:
    return image.getexif() or None  # empty: a screenshot, a messenger's copy stripped of it


def _taken(exif: Image.Exif) -> str:
    ifd = exif.get_ifd(_EXIF_IFD)
    for tag in (_ORIGINAL, _DIGITIZED):
        match = _DATE.match(_text(ifd.get(tag)))
        if not match:
            continue
        year, month, day, hour, minute, second = map(int, match.groups())
        try:
            datetime(year, month, day, hour, minute, second)  # "0000:00:00 00:00:00" is written too
        except ValueError:
            continue
        offset = _text(ifd.get(_OFFSETS[tag]))
        stamp = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
        return stamp + (offset if _OFFSET.fullmatch(offset) else "")
    return ""


def _camera(exif: Image.Exif) -> str:
    return camera_name(_text(exif.get(_MAKE)), _text(exif.get(_MODEL)))


def camera_name(make: str, model: str) -> str:
    """Make and model, the make left out when the model starts with one of its words: "NIKON
    CORPORATION" + "NIKON D70", "EASTMAN KODAK COMPANY" + "KODAK DC240" say the make once."""
    make, model = " ".join(make.split()), " ".join(model.split())
    if not model or model.split()[0].lower() in make.lower().split():
        return model or make
    return f"{make} {model}".strip()


def _position(exif: Image.Exif) -> tuple[float, float] | str:
    """(lat, lon) in decimal degrees, or "" (none, or none that can be right)."""
    gps = exif.get_ifd(_GPS_IFD)
    if _LAT not in gps or _LON not in gps:
        return ""
    lat = _degrees(gps[_LAT]) * (-1 if _text(gps.get(_LAT_REF)).upper() == "S" else 1)
    lon = _degrees(gps[_LON]) * (-1 if _text(gps.get(_LON_REF)).upper() == "W" else 1)
    # 0, 0: what a receiver with no fix writes
    if not math.isfinite(lat + lon) or abs(lat) > 90 or abs(lon) > 180 or lat == lon == 0:
        return ""
    return lat, lon


def _degrees(value) -> float:
    """Degrees, minutes, seconds (EXIF's three rationals) as decimal degrees."""
    degrees, minutes, seconds = (float(part) for part in value)
    return degrees + minutes / 60 + seconds / 3600


def _text(value) -> str:
    """An ASCII tag's value as text: cameras pad with NULs and spaces, some write bytes."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return value.replace("\x00", " ").strip() if isinstance(value, str) else ""
