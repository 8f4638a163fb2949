"""A video a note shows, read in its place: its length, then its keyframes as pictures.

A note that shows a video (`![[clip.mp4]]`, `![](clip.mov)`, `<video src>`, a Day One, Google Keep
or SiYuan video attachment) was read without it: the reader of the note lost what the video showed
where it stood. The model reads a note's pictures in order, so the video is read where it stands as

    video, 12 s [frame] [frame] [frame] [frame]

its keyframes taken as a video alone is read (`video_frames.py`: at most 4, decoded small, upright,
repeats dropped) and stored as the pictures kept inside notes are (`embedded.py`): the vision cache
knows them by their bytes, and the note is read again only when the video, or a stored frame, changes
(`file_stats`). As a picture a note shows, a video a note shows is not a document of its own: it is
found through the note, once.

A note of many videos is bounded: at most `MAX_NOTE_FRAMES` (12, three videos' worth) pictures of
videos a note. A video past that is read by its length only (its header: nothing decoded) and the
note says so once. A video shown by several notes is decoded once a run (its frames are stored at
once, and only their files are kept).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from indexer.sources.embedded import EmbeddedImage, store_picture
from indexer.sources.video_facts import length_words

MAX_NOTE_FRAMES = 12  # pictures of videos a note: each is a vision encoder pass and a share of the budget


@dataclass(frozen=True)
class _Read:
    """A video as read once this run: its length words and its frames (where in it, their stored bytes)."""

    said: str
    frames: tuple[tuple[str, Callable[[], bytes]], ...]


@dataclass
class NoteVideos:
    """The videos the notes of one collection show, read in place (see the module doc)."""

    pictures: Path | None = None  # where the frames are stored (`embedded.py`; None: the user's cache)
    left: int = MAX_NOTE_FRAMES  # pictures of videos the note being read may still have
    capped: bool = False  # the note being read has said it shows more video than is read
    _read: dict[tuple[str, int, int], _Read | tuple[str, str]] = field(default_factory=dict)

    def start_note(self) -> None:
        self.left, self.capped = MAX_NOTE_FRAMES, False

    def items(self, real: str, written: str, skip: Callable[[str, str], None]) -> list[str | EmbeddedImage]:
        """The note's items for the video at `real` (its length words, then its frames), or [] when
        it gives none (said by `skip(reason, message)`, naming the video as written)."""
        if self.left <= 0:
            self._say_capped(written, "by its length only", skip)
            return [_header_words(real)]
        got = self._video(real)
        if isinstance(got, tuple):
            reason, problem = got
            skip(reason, f"video skipped, {problem}: {written}")
            return []
        frames = got.frames[: self.left]
        if len(frames) < len(got.frames):
            self._say_capped(written, f"by {len(frames)} of its {len(got.frames)} pictures", skip)
        self.left -= len(frames)
        pictures = [
            EmbeddedImage("image/jpeg", "", f"{written}, frame at {when}", load=load) for when, load in frames
        ]
        return [got.said, *pictures]

    def _say_capped(self, written: str, how: str, skip: Callable[[str, str], None]) -> None:
        """Said once a note: the first video the bound cuts, and that those after it are cut too."""
        if not self.capped:
            self.capped = True
            said = f"shows more video than is read (at most {MAX_NOTE_FRAMES} video pictures a note)"
            skip("too large", f"{said}; read {how}, and any after it by their length: {written}")

    def _video(self, real: str) -> _Read | tuple[str, str]:
        """The video read (once a run for a file unchanged), or (reason, problem) when it gives none."""
        from indexer.sources import video_frames  # noqa: PLC0415 (imports av when a video is met)

        try:
            stat = os.stat(real)
        except OSError as err:
            return "missing", f"cannot be read ({err.strerror or err})"
        key = (real, stat.st_size, stat.st_mtime_ns)
        if key not in self._read:
            self._read[key] = _decoded(Path(real), video_frames, self.pictures)
        return self._read[key]


def _decoded(path: Path, video_frames, folder: Path | None) -> _Read | tuple[str, str]:
    try:
        video = video_frames.read_video(path)
    except video_frames.VideoProblem as problem:
        return problem.reason, str(problem)
    except OSError as err:  # gone or unreadable mid-walk
        return "unreadable", f"cannot be read ({err.strerror or err})"
    except Exception as err:  # a decoder of untrusted files: whatever it raises is this file's problem
        return "unreadable", f"FFmpeg failed on it ({type(err).__name__})"
    frames = tuple(  # stored now: what is kept for the run is their files, not their bytes
        (_clock(frame.seconds), Path(store_picture(frame.jpeg, ".jpg", folder)).read_bytes)
        for frame in video.frames
    )
    return _Read(_length_said(video.seconds), frames)


def _header_words(real: str) -> str:
    """ "video, 12 s" from the header alone (nothing decoded); "video" when it does not say."""
    from indexer.sources.video_frames import open_video, video_length  # noqa: PLC0415

    try:
        with open_video(Path(real)) as container:
            return _length_said(video_length(container))
    except Exception:  # noqa: BLE001 (damaged, gone, whatever a decoder raises: its length is unknown)
        return "video"


def _length_said(seconds: float | None) -> str:
    length = length_words(seconds)
    return f"video, {length}" if length else "video"


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"
