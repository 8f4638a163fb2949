"""A phone's videos, documents as its photos are: found by their folder, file name, date and place.

A camera folder holds videos beside photos. Each video no note shows is a document, as a photo is
(see `photos.py`, whose rules it follows: a note app's or a plain folder's videos are the
person's; a website's are its pages' media, said per folder, not made documents; one a note or a
page shows is read in its place there, `note_videos.py`):

    DCIM / IMG 4022                                   (its path, as a photo's)
    2024-06-12 · 12 June 2024 · ... · Apple iPhone 13 · video, 12 s
    [frame] [frame] [frame] [frame]                   (its keyframes, in order: `video_frames.py`)

with the `taken`, `camera`, `place`, `place_name` properties of a photo (`video_facts.py`) and its
`length`. The frames are stored as the pictures kept inside notes are (`embedded.py`): the vision
cache knows them by their bytes, and an unchanged video is not opened again (`file_stats`).

An iPhone Live Photo is a photo and a ~3 s QuickTime clip of the moment around it, kept side by side
as `IMG_1234.HEIC` (or `.JPG`) and `IMG_1234.MOV` (`IMG_1234_HEVC.MOV` as icloudpd names it):
one moment, read as its photo. Such a clip (a
`.mov` of at most `LIVE_PHOTO_SECONDS` beside a photo of its name) is not a second document; each
folder says how many it left out. A longer `.mov` of that name is a video of its own.

Reading videos needs PyAV (`pip install av`, which bundles FFmpeg). Without it, a video is said
"not read" as before, and the missing package is said once.
"""

from __future__ import annotations

import functools
import posixpath
import warnings
from collections import Counter
from pathlib import Path

from indexer.sources.embedded import EmbeddedImage
from indexer.sources.photos import picture_items
from indexer.sources.site import MEDIA_TYPES
from indexer.sources.video_facts import length_words, video_facts
from indexer.sources.warning import warn

VIDEO_SUFFIXES = frozenset(suffix for suffix, kind in MEDIA_TYPES.items() if kind == "videos")
LIVE_PHOTO_SECONDS = 5.0  # an iPhone's Live Photo clip is 1.5 s either side of the photo: ~3 s
_LIVE_PHOTOS = (".heic", ".heif", ".jpg", ".jpeg")  # what an iPhone exports a Live Photo's still as


@functools.cache
def available() -> bool:
    """Whether videos can be read here (PyAV installed); said once when not."""
    try:
        import av  # noqa: F401, PLC0415 (FFmpeg's libraries: loaded only when a video is met)
    except (ImportError, OSError):  # not installed, or its FFmpeg libraries fail to load
        warnings.warn("videos are not read without PyAV: pip install av", stacklevel=2)
        return False
    return True


def is_video(suffix: str) -> bool:
    """Whether a file of this (lower-case) suffix is read as a video."""
    return suffix in VIDEO_SUFFIXES and available()


def video_items(path: Path, name: str) -> tuple[tuple, dict]:
    """The document's items (its words, then its frames) and meta of the video `name`; nothing
    (said why, naming the file) when it gives none."""
    from indexer.sources.video_frames import VideoProblem, read_video  # noqa: PLC0415 (imports av)

    try:
        video = read_video(path)
    except VideoProblem as problem:
        warn(f"{name}: {problem}; not indexed", file=name, reason=problem.reason)
        return (), {}
    except OSError as err:  # gone or unreadable mid-walk
        warn(f"{name}: cannot be read ({err.strerror or err}), skipped", file=name, reason="unreadable")
        return (), {}
    except Exception as err:  # a decoder of untrusted files: whatever it raises is this file's problem
        said = f"{name}: not read, FFmpeg failed on it ({type(err).__name__}); not indexed"
        warn(said, file=name, reason="unreadable")
        return (), {}
    facts = video_facts(video.tags)
    text = picture_items(name, facts)[0]
    length = length_words(video.seconds)
    said = f"video, {length}" if length else "video"
    text = f"{text} · {said}" if facts is not None and facts.words() else f"{text}\n{said}".lstrip()
    frames = tuple(
        EmbeddedImage(
            "image/jpeg", "", f"frame at {_clock(frame.seconds)}", load=lambda data=frame.jpeg: data
        )
        for frame in video.frames
    )
    properties = {**(facts.properties() if facts else {}), **({"length": length} if length else {})}
    meta = {"properties": properties, **({"place_names": dict(facts.place_names)} if facts else {})}
    return (text, *frames), meta


def without_motion_clips(loose: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
    """`loose` (pictures and videos, path and name) without the Live Photos' motion clips, said
    once per folder."""
    stems = {posixpath.splitext(name)[0].casefold() for _, name in loose if _still(name)}
    clips = [(path, name) for path, name in loose if _clip_stem(name) in stems and _short(path)]
    if not clips:
        return loose
    for folder, count in sorted(Counter(posixpath.dirname(name) for _, name in clips).items()):
        where = f"{folder}/" if folder else "./"
        message = f"{where}: {count} Live Photo motion clip(s), read as their photos; not indexed"
        warn(message, file=where, reason="excluded")
    left = set(clips)
    return [item for item in loose if item not in left]


def _clip_stem(name: str) -> str:
    """The name (folder and stem, case folded) of the photo a `.mov` would be the clip of; ""."""
    stem, suffix = posixpath.splitext(name)
    return stem.casefold().removesuffix("_hevc") if suffix.lower() == ".mov" else ""


def _still(name: str) -> bool:
    return name.lower().endswith(_LIVE_PHOTOS)


def _short(path: Path) -> bool:
    """Whether the clip is as short as a Live Photo's (its header read, nothing decoded)."""
    if not available():
        return False
    from indexer.sources.video_frames import VideoProblem, open_video, video_length  # noqa: PLC0415

    try:
        with open_video(path) as container:
            seconds = video_length(container)
    except (VideoProblem, OSError):
        return False  # read as a video: its problem is said then
    return seconds is not None and seconds <= LIVE_PHOTO_SECONDS


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"
