"""When, with what and where a phone's video was taken, and how long it is: found as its photos are.

A phone names its videos as its photos (`IMG_4022.MOV`, `VID_20240612_183005.mp4`): what a person
remembers is when and where. The container's tags say it, as EXIF does for a photo, and give the
same `PhotoFacts` (`photo_facts.py`): the `taken`, `camera` and `place` properties, the town named
by `places.py`, the same date words. Read from the tags FFmpeg gives (the header: nothing decoded):

- when: an iPhone's `com.apple.quicktime.creationdate` (`2024-06-12T18:30:05+0900`): the wall
  clock where it was filmed, with its offset, as a photo's EXIF date is kept; else the container's
  `creation_time`, which MP4 stores in UTC (Android, cameras, editors): kept as UTC (`+00:00`), so
  an evening video's day may be the next one in the date words. Not guessed from the place: no
  time-zone map is shipped. A zero date (1904 or 1970: QuickTime's and Unix's epoch, written by
  tools that know none) is no date;
- with what: `com.apple.quicktime.make`/`model`, else the `make`/`model` tags (`©mak`/`©mod`),
  else Android's `com.android.manufacturer`/`model`, said as a photo's camera is;
- where: `com.apple.quicktime.location.ISO6709`, else MP4's `location` (`©xyz`, Android):
  ISO 6709 decimal degrees `+35.0116+135.7681+050.000/`.

The length is said in the text ("video, 12 s", "video, 3 min 5 s"): a person types "video" and
sees how long it is on the page.
"""

from __future__ import annotations

import math
import re
from datetime import datetime

from indexer.sources.photo_facts import PhotoFacts, camera_name
from indexer.sources.places import place_at

_APPLE = "com.apple.quicktime."
_LOCAL = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?([+-]\d{2}):?(\d{2})$")
_UTC = re.compile(r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z?$")
# ISO 6709 in decimal degrees: latitude ±DD.D, longitude ±DDD.D (the ±DDMM forms are not what phones write)
_ISO6709 = re.compile(r"([+-]\d{2}(?:\.\d+)?)([+-]\d{3}(?:\.\d+)?)")


def video_facts(tags: dict[str, str]) -> PhotoFacts | None:
    """The facts of a video's container tags (keys as FFmpeg gives them); None when it has none."""
    tags = {key.lower(): str(value).strip() for key, value in tags.items()}
    position = _position(tags.get(_APPLE + "location.iso6709") or tags.get("location") or "")
    where = f"{position[0]:.5f}, {position[1]:.5f}" if position else ""
    place = place_at(*position) if position else None
    named = (place.name, place.names) if place else ("", ())
    facts = PhotoFacts(_taken(tags), _camera(tags), where, *named)
    return facts if facts.properties() else None


def length_words(seconds: float | None) -> str:
    """How long a video is, as a person says it: "12 s", "3 min 5 s", "1 h 2 min"; "" unknown."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return ""
    if seconds < 1:
        return "under 1 s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


def _taken(tags: dict[str, str]) -> str:
    if match := _LOCAL.match(tags.get(_APPLE + "creationdate", "")):
        *parts, hours, minutes = match.groups()
        if stamp := _stamp(*map(int, parts)):
            return f"{stamp}{hours}:{minutes}"
    if match := _UTC.match(tags.get("creation_time", "")):
        if stamp := _stamp(*map(int, match.groups())):
            return stamp + "+00:00"
    return ""


def _stamp(year: int, month: int, day: int, hour: int, minute: int, second: int) -> str:
    if year in (1904, 1970) or year < 1900:  # an epoch: the tool knew no date
        return ""
    try:
        datetime(year, month, day, hour, minute, second)
    except ValueError:
        return ""
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"


def _camera(tags: dict[str, str]) -> str:
    for make, model in (
        (_APPLE + "make", _APPLE + "model"),
        ("make", "model"),
        ("com.android.manufacturer", "com.android.model"),
    ):
        if tags.get(make) or tags.get(model):
            return camera_name(tags.get(make, ""), tags.get(model, ""))
    return ""


def _position(text: str) -> tuple[float, float] | None:
    match = _ISO6709.match(text.strip())
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if abs(lat) > 90 or abs(lon) > 180 or lat == lon == 0:  # 0, 0: no fix
        return None
    return lat, lon
