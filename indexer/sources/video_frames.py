"""A video's few pictures, in order: keyframes only, decoded small, upright, near-repeats dropped.

The model reads a document's pictures in order, each one a full pass of its vision encoder (the
indexing cost on a CPU) and a share of the document's token budget. So a video is read as at most
`MAX_FRAMES` (4) of its keyframes: the first and those at a quarter, half and three quarters of its
length. A phone's clip (seconds to a minute) is one scene; four pictures show how it goes (a child
running to the sea, the cake carried in) at the cost of four photos, and six or more mostly repeat
it. A frame that looks like the one kept before it (a tripod's shot: mean difference of 16x16 grey
thumbnails under `SAME_LEVEL`) is dropped: a still scene is one picture.

Only keyframes are decoded (only their packets reach the decoder, told `skip_frame = "NONKEY"`
too): a keyframe needs no other frame, and seeking lands on one, so a two-hour video costs
`MAX_FRAMES` seeks and decodes, not two hours of decoding. Each decoded frame is scaled (longer
side `MAX_SIDE`) as it is converted from the decoder's YUV (`reformat`): what is held is the
decoder's buffers for one frame (+100 MB at the peak for a 4K HEVC one, docs/BENCHMARKS.md "Phone
videos") and four small pictures, never a full-size RGB copy. The rotation a phone records
(portrait filming: the display matrix) is applied, so pictures stand as the person saw them.

Damaged and unreadable input raises `VideoProblem(reason, message)`, said by the reader naming the
file: an empty file, one FFmpeg cannot open (not a video, or damaged past reading), sound only (an
`.m4a`, an `.mp4` of a voice memo; a cover picture is not a video), a codec this FFmpeg cannot
decode, and a video none of whose keyframes decodes. A keyframe that fails costs only itself.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAX_FRAMES = 4
MAX_SIDE = 1024  # pixels: the model's high-resolution view (DeepSeek-VL's 1024) and the page's
SAME_LEVEL = 6.0  # mean grey difference (of 255) under which a frame repeats the one before
JPEG_QUALITY = 88
_MAX_PACKETS = 2000  # per seek: a keyframe further than this is not found (a damaged index)


class VideoProblem(Exception):
    """Why a video gives no document: `reason` (one of warning.REASONS) and what to say."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Frame:
    seconds: float  # where in the video it is
    jpeg: bytes


@dataclass(frozen=True)
class Video:
    seconds: float | None  # its length, None when the container does not say
    tags: dict[str, str]  # the container's tags (creation date, place, camera: `video_facts`)
    frames: tuple[Frame, ...]


def open_video(path: Path):
    """The opened container (`av`); VideoProblem when it cannot be opened."""
    import av  # optional: see `videos.available`

    if path.stat().st_size == 0:
        raise VideoProblem("empty", "the file is empty (0 bytes)")
    try:
        return av.open(str(path), metadata_errors="replace")
    except av.error.FFmpegError as err:  # its message names the path: said without it
        said = f"not a video FFmpeg can read, or a damaged one ({_said(err)})"
        raise VideoProblem("unreadable", said) from None


def video_length(container) -> float | None:
    """The video's length in seconds, from its header."""
    stream = next(iter(container.streams.video), None)
    if stream is not None and stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return container.duration / 1_000_000 if container.duration else None


def read_video(path: Path) -> Video:
    """The video's length, tags and frames (see the module doc); VideoProblem when it has none."""
    import av

    with open_video(path) as container:
        stream = _picture_stream(container)
        context = stream.codec_context
        if context is None:
            raise VideoProblem("unsupported type", "its video is in a format this FFmpeg cannot decode")
        context.skip_frame = "NONKEY"  # only keyframes are sent; a decoder so told skips the rest too
        seconds = video_length(container)
        frames: list[Frame] = []
        seen = None
        failed: list[str] = []  # why keyframes did not decode, said when none did
        for when, frame in _keyframes(container, stream, seconds, failed):
            try:
                small = frame.reformat(**_fit(frame.width, frame.height), format="rgb24")
            except (av.error.FFmpegError, ValueError) as err:  # a pixel format swscale cannot take
                failed.append(_said(err))
                continue
            picture = _upright(small.to_image(), frame)
            grey = np.asarray(picture.convert("L").resize((16, 16)), dtype=np.float32)
            if seen is not None and float(np.abs(grey - seen).mean()) < SAME_LEVEL:
                continue  # repeats the frame before it
            seen = grey
            out = io.BytesIO()
            picture.save(out, "JPEG", quality=JPEG_QUALITY)
            frames.append(Frame(when, out.getvalue()))
        if not frames:
            why = f" ({failed[-1]})" if failed else ""
            raise VideoProblem("unreadable", f"none of its pictures could be decoded, a damaged video{why}")
        tags = {**stream.metadata, **container.metadata}  # the container's first (a track's own date)
        return Video(seconds, tags, tuple(frames))


def _picture_stream(container):
    """The video stream to read (the largest); VideoProblem when there is none."""
    streams = [s for s in container.streams.video if not s.disposition & s.disposition.attached_pic]
    if not streams:
        if container.streams.audio:
            said = "holds sound only, no pictures (audio recordings are not read)"
            raise VideoProblem("unsupported type", said)
        raise VideoProblem("unreadable", "holds no video (a damaged file, or not a video)")
    return max(streams, key=lambda s: _pixels(s))


def _pixels(stream) -> int:
    return stream.codec_context.width * stream.codec_context.height if stream.codec_context else 0


def _keyframes(container, stream, seconds: float | None, failed: list[str]):
    """(time, frame) of the keyframes at or after the start and 1/4, 1/2, 3/4 of the length, in
    order, each later than the one before (a short clip with one keyframe gives one). A damaged
    stream ends the search: the frames found so far stand."""
    import av

    count = MAX_FRAMES if seconds and seconds > 0 else 1
    last = -math.inf
    for k in range(count):
        try:
            if k:
                target = seconds * k / count
                container.seek(
                    (stream.start_time or 0) + int(target / stream.time_base), stream=stream, backward=True
                )
            found = _next_keyframe(container, stream, last, failed)
        except av.error.FFmpegError as err:  # not seekable, or damaged past this point
            failed.append(_said(err))
            return
        if found is None:
            return
        last = found[0]
        yield found


def _next_keyframe(container, stream, after: float, failed: list[str]):
    """The first keyframe later than `after` seconds from where the container stands, decoded;
    None when there is none. Only keyframe packets reach the decoder, each drained at once: a
    decoder holding frames back to reorder them would keep a keyframe until the next one came."""
    import av

    context, start = stream.codec_context, stream.start_time or 0
    context.flush_buffers()
    for number, packet in enumerate(container.demux(stream)):
        if number > _MAX_PACKETS:
            return None
        when = packet.pts if packet.pts is not None else packet.dts
        if not packet.is_keyframe or when is None or float((when - start) * stream.time_base) <= after:
            continue
        try:
            frames = [*context.decode(packet), *context.decode(None)]
        except av.error.FFmpegError as err:  # a damaged keyframe costs only itself
            failed.append(_said(err))
            frames = []
        context.flush_buffers()  # drained: ready for the next packet
        if frames:
            return float((when - start) * stream.time_base), frames[0]
    return None


def _fit(width: int, height: int) -> dict[str, int]:
    scale = min(1.0, MAX_SIDE / max(width, height, 1))
    return {"width": max(2, round(width * scale)), "height": max(2, round(height * scale))}


def _upright(picture, frame):
    """The picture turned as the display matrix says (FFmpeg's angle: counter-clockwise)."""
    turn = round(getattr(frame, "rotation", 0) or 0) % 360
    return picture.rotate(turn, expand=True) if turn in (90, 180, 270) else picture


def _said(err) -> str:
    """FFmpeg's reason without the file name it appends."""
    return getattr(err, "strerror", None) or type(err).__name__
