"""Fixture videos made here with PyAV (H.264 through the wheel's libx264): a few 64x48 frames of
distinct colours, a keyframe every `keyint` frames, container tags and a display rotation as a
phone writes them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

av = pytest.importorskip("av")

COLOURS = [(220, 30, 30), (30, 200, 30), (30, 30, 220), (230, 230, 30), (30, 220, 220), (220, 30, 220)]


def video(
    path: Path,
    seconds: float = 4.0,
    fps: int = 10,
    keyint: int = 10,
    tags: dict[str, str] | None = None,
    rotation: int = 0,
    still: bool = False,
    size: tuple[int, int] = (64, 48),
) -> Path:
    """A video whose n-th keyframe (and the frames after it) is COLOURS[n] (all COLOURS[0] when
    `still`), the left half only: where the colour is shows how the picture was turned."""
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = size
    options = {"movflags": "use_metadata_tags"} if path.suffix.lower() in (".mov", ".mp4") else {}
    with av.open(str(path), "w", options=options) as out:
        out.metadata.update(tags or {})
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.gop_size = keyint
        stream.codec_context.options = {"x264-params": f"keyint={keyint}:min-keyint={keyint}:scenecut=0"}
        if rotation:
            stream.set_display_rotation(rotation)
        for index in range(round(seconds * fps)):
            picture = np.zeros((height, width, 3), np.uint8)
            picture[:, : width // 2] = COLOURS[0 if still else (index // keyint) % len(COLOURS)]
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def sound_only(path: Path, seconds: float = 1.0) -> Path:
    """An AAC recording with no picture (a voice memo saved as .mp4)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=16000)
        stream.layout = "mono"
        samples = np.zeros((1, 1024), np.float32)
        for index in range(round(seconds * 16000 / 1024)):
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 16000, index * 1024
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def unknown_codec(path: Path) -> Path:
    """A QuickTime file whose video is in a codec FFmpeg knows no decoder for (its sample entry's
    four-character code changed from `jpeg` to one nobody uses)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mov") as out:
        stream = out.add_stream("mjpeg", rate=4)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuvj420p"
        for index in range(4):
            picture = np.full((48, 64, 3), 60 * index, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    data = path.read_bytes()
    at = data.index(b"jpeg")
    path.write_bytes(data[:at] + b"zzzz" + data[at + 4 :])
    return path
