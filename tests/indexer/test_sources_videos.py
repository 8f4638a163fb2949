"""A phone's videos are documents as its photos are: path words, when/where/length, a few keyframes in
order (upright, small, repeats dropped); a Live Photo's clip is read as its photo; bad files are said
by name; an unchanged video is not decoded again; found by its date, place and file words."""

from __future__ import annotations

import sys
import warnings
import zipfile

from PIL import Image
from source_helpers import read_warnings, settle, write
from test_photo_facts import photo
from video_helpers import COLOURS, av, sound_only, unknown_codec, video

import indexer.sources.video_frames as video_frames
from indexer import Searcher
from indexer.build import build_index
from indexer.sources import read_collection, videos
from indexer.sources.video_facts import length_words
from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment

IPHONE = {
    "com.apple.quicktime.make": "Apple",
    "com.apple.quicktime.model": "iPhone 13",
    "com.apple.quicktime.creationdate": "2024-06-12T18:30:05+0900",
    "com.apple.quicktime.location.ISO6709": "+35.0116+135.7681+050.000/",
}


def colour_of(segment: ImageSegment, portrait: bool = False) -> tuple[int, int, int]:
    """The colour of the half the fixture painted (left; top once turned upright)."""
    with Image.open(segment.path) as picture:
        return picture.convert("RGB").getpixel((4, 4) if portrait else (4, picture.height // 2))


def near(found, expected, slack: int = 12) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(found, expected, strict=True))


def test_a_video_is_one_document_of_its_words_and_keyframes_in_order(tmp_path):
    # 8 s, a keyframe a second, each its own colour: the first and those at 2, 4 and 6 s are read
    video(tmp_path / "DCIM" / "VID_beach-day.mp4", seconds=8.0, keyint=10)
    docs, warned = read_warnings(tmp_path)
    assert warned == []
    [doc] = docs
    assert (doc.id, doc.title, doc.source) == (
        "DCIM/VID_beach-day.mp4",
        "VID_beach-day.mp4",
        "DCIM/VID_beach-day.mp4",
    )
    assert doc.segments[0] == TextSegment("DCIM / VID beach day\nvideo, 8 s")
    frames = doc.segments[1:]
    assert len(frames) == video_frames.MAX_FRAMES == 4
    assert [f.name for f in frames] == [f"DCIM/VID_beach-day.mp4: frame at 0:0{s}" for s in (0, 2, 4, 6)]
    assert all(
        near(colour_of(f), COLOURS[i % len(COLOURS)]) for f, i in zip(frames, (0, 2, 4, 6), strict=True)
    )
    assert doc.meta["properties"] == {"length": "8 s"}


def test_a_portrait_video_stands_upright_and_a_big_one_is_read_small(tmp_path):
    video(tmp_path / "portrait.mov", rotation=-90)  # as an iPhone held upright writes it
    video(tmp_path / "wide.mp4", size=(2560, 1440), seconds=2.0, keyint=20)
    docs, _ = read_warnings(tmp_path)
    portrait, wide = docs
    with Image.open(portrait.segments[1].path) as picture:
        assert picture.size == (48, 64)
    assert near(colour_of(portrait.segments[1], portrait=True), COLOURS[0])  # the left half is on top
    with Image.open(wide.segments[1].path) as picture:
        assert picture.size == (video_frames.MAX_SIDE, 576)


def test_a_still_scene_is_one_picture_and_a_short_clip_one_keyframe(tmp_path):
    video(tmp_path / "tripod.mp4", still=True, seconds=6.0)
    video(tmp_path / "blink.mp4", seconds=0.6, keyint=30)
    docs, _ = read_warnings(tmp_path)
    assert [(d.id, len(d.images), d.segments[0].text.splitlines()[-1]) for d in docs] == [
        ("blink.mp4", 1, "video, under 1 s"),
        ("tripod.mp4", 1, "video, 6 s"),
    ]


def test_when_where_and_with_what_come_from_the_containers_tags(tmp_path):
    video(tmp_path / "IMG_4022.MOV", tags=IPHONE, seconds=12.0, keyint=40)
    android = {"creation_time": "2023-08-01T21:15:00.000000Z", "location": "+38.7223-009.1393/"}
    video(tmp_path / "VID_20230801.mp4", tags=android)
    iphone, phone = read_warnings(tmp_path)[0]
    assert iphone.meta["properties"] == {
        "taken": "2024-06-12T18:30:05+09:00",  # the wall clock where it was filmed, with its offset
        "camera": "Apple iPhone 13",
        "place": "35.01160, 135.76810",
        "place_name": "Kyoto, Japan",
        "length": "12 s",
    }
    assert iphone.meta["place_names"]["京都"] == "Kyoto"
    assert iphone.segments[0].text == (
        "IMG 4022\n2024-06-12 · 12 June 2024 · June 2024 · 2024年6月12日 · Apple iPhone 13 · video, 12 s"
    )
    assert phone.meta["properties"]["taken"] == "2023-08-01T21:15:00+00:00"  # MP4's UTC, said so
    assert phone.meta["properties"]["place_name"].endswith("Lisbon, Portugal")


def test_length_words():
    assert [length_words(s) for s in (None, 0.2, 12.4, 185, 3600, 3720)] == [
        "",
        "under 1 s",
        "12 s",
        "3 min 5 s",
        "1 h",
        "1 h 2 min",
    ]


def test_a_live_photos_clip_is_read_as_its_photo_and_a_long_video_of_that_name_is_not(tmp_path):
    photo(tmp_path / "DCIM" / "IMG_1234.JPG", "2024:06:12 18:30:05")
    video(tmp_path / "DCIM" / "IMG_1234.MOV", seconds=3.0)  # its ~3 s motion clip
    photo(tmp_path / "DCIM" / "IMG_1300.jpeg")
    video(tmp_path / "DCIM" / "img_1300_HEVC.mov", seconds=3.0)  # any case; as icloudpd names it
    photo(tmp_path / "DCIM" / "IMG_2000.JPG", "2024:06:13 10:00:00")
    video(tmp_path / "DCIM" / "IMG_2000.MOV", seconds=8.0)  # too long for a Live Photo: a video
    docs, warned = read_warnings(tmp_path)
    assert [d.id for d in docs] == [
        "DCIM/IMG_1234.JPG",
        "DCIM/IMG_1300.jpeg",
        "DCIM/IMG_2000.JPG",
        "DCIM/IMG_2000.MOV",
    ]
    assert [(w.file, w.reason, str(w)) for w in warned] == [
        ("DCIM/", "excluded", "DCIM/: 2 Live Photo motion clip(s), read as their photos; not indexed")
    ]


def test_bad_videos_are_said_by_name_and_nothing_stops_the_run(tmp_path):
    good = video(tmp_path / "trip" / "good.mp4")
    write(tmp_path / "trip" / "cut-short.mp4", good.read_bytes()[: len(good.read_bytes()) // 2])
    write(tmp_path / "trip" / "empty.mov", b"")
    sound_only(tmp_path / "trip" / "voice memo.mp4")
    unknown_codec(tmp_path / "trip" / "odd codec.mov")
    write(tmp_path / "trip" / "notes.mp4", "not a video, a text file named .mp4\n")
    write(tmp_path / "trip" / "memo.m4a", b"\x00\x00\x00\x18ftypM4A ")
    docs, warned = read_warnings(tmp_path)
    assert [d.id for d in docs] == ["trip/good.mp4"]
    assert sorted((w.file, w.reason, str(w)) for w in warned) == [
        ("trip/cut-short.mp4", "unreadable", "trip/cut-short.mp4: " + _damaged(warned, "trip/cut-short.mp4")),
        ("trip/empty.mov", "empty", "trip/empty.mov: the file is empty (0 bytes); not indexed"),
        ("trip/memo.m4a", "unsupported type", "trip/memo.m4a: audio recordings are not read; not indexed"),
        (
            "trip/notes.mp4",
            "unreadable",
            "trip/notes.mp4: not a video FFmpeg can read, or a damaged one "
            "(Invalid data found when processing input); not indexed",
        ),
        (
            "trip/odd codec.mov",
            "unsupported type",
            "trip/odd codec.mov: its video is in a format this FFmpeg cannot decode; not indexed",
        ),
        (
            "trip/voice memo.mp4",
            "unsupported type",
            "trip/voice memo.mp4: holds sound only, no pictures (audio recordings are not read); not indexed",
        ),
    ]
    assert not any(str(tmp_path) in str(w) for w in warned)  # named as the person named it


def _damaged(warned, name: str) -> str:
    """A file cut in half loses its index (MP4's `moov` is written last): said as damaged."""
    [message] = [str(w) for w in warned if w.file == name]
    assert message in (
        f"{name}: holds no video (a damaged file, or not a video); not indexed",
        f"{name}: not a video FFmpeg can read, or a damaged one (Invalid data found when processing input); "
        "not indexed",
    )
    return message.removeprefix(f"{name}: ")


def test_a_websites_videos_are_its_pages_media_said_once_a_folder(tmp_path):
    write(tmp_path / "hugo.toml", 'title = "Kitchen"\n')
    write(tmp_path / "content" / "posts" / "bread.md", "# Bread\n\nKnead.\n")
    video(tmp_path / "content" / "posts" / "kneading.mp4")
    video(tmp_path / "static" / "intro.mp4")
    docs, warned = read_warnings(tmp_path)
    assert [d.id for d in docs] == ["content/posts/bread.md"]
    assert [(w.file, str(w)) for w in warned] == [
        ("content/posts/", "content/posts/: 1 video(s) of the website (its pages' media); not indexed"),
        ("static/", "static/: 1 video(s) of the website (its pages' media); not indexed"),
    ]


def test_without_pyav_videos_are_said_not_read_and_the_package_once(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)  # import fails as when not installed
    videos.available.cache_clear()
    try:
        write(tmp_path / "DCIM" / "a.mp4", b"x")
        write(tmp_path / "DCIM" / "b.mov", b"x")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            docs = read_collection(tmp_path)
        said = [str(w.message) for w in caught]
        assert said == [
            "videos are not read without PyAV: pip install av",  # once, not once a video
            "DCIM/a.mp4: videos are not read; not indexed",
            "DCIM/b.mov: videos are not read; not indexed",
        ]
        assert docs == []
    finally:
        videos.available.cache_clear()


def test_videos_are_found_by_date_place_and_file_words_and_not_decoded_again(
    tiny_dsvl, tmp_path, monkeypatch
):
    folder, uri = tmp_path / "Trip", tmp_path / "index"
    video(folder / "IMG_4022.MOV", tags=IPHONE)
    video(
        folder / "harbour-ferry.mp4",
        tags={"creation_time": "2023-08-01T10:00:00Z", "location": "+38.7223-009.1393/"},
    )
    photo(folder / "IMG_4023.JPG", "2024:06:12 18:31:00")
    video(folder / "IMG_4023.MOV", seconds=3.0)  # its Live Photo clip
    settle(folder)
    first = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert first.added == 3
    searcher = Searcher.open(uri, None, warm=False)
    for query, expected in [
        ("京都", "Trip/IMG_4022.MOV"),
        ("Lisboa", "Trip/harbour-ferry.mp4"),
        ("ferry", "Trip/harbour-ferry.mp4"),
        ("August 2023", "Trip/harbour-ferry.mp4"),
    ]:
        hits = searcher.search(InterleavedDoc((TextSegment(query),)), k=3, mode="keyword")
        assert hits and hits[0].id == expected, (query, [h.id for h in hits])
    june = searcher.search(InterleavedDoc((TextSegment("12 June 2024"),)), k=3, mode="keyword")
    assert {h.id for h in june[:2]} == {"Trip/IMG_4022.MOV", "Trip/IMG_4023.JPG"}  # the Live Photo once

    def no_decoding(path):
        raise AssertionError(f"{path} decoded again")

    monkeypatch.setattr(video_frames, "read_video", no_decoding)
    again = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (again.notes_read, again.unchanged, again.embedded) == (0, 3, 0)


def test_a_phones_videos_are_unpacked_from_a_zip_and_taken_from_an_upload_its_audio_is_not(tmp_path):
    from indexer.archives import unpack_archive
    from webapp.collection import ZipLimits
    from webapp.uploads import gather_upload

    clip = video(tmp_path / "made" / "VID_0001.mp4").read_bytes()
    with zipfile.ZipFile(tmp_path / "Camera.zip", "w") as archive:
        archive.writestr("Camera/VID_0001.mp4", clip)  # videos alone are a collection
        archive.writestr("Camera/memo.m4a", b"\x00\x00\x00\x18ftypM4A ")
    unpacked = unpack_archive(tmp_path / "Camera.zip", tmp_path / "out")
    assert sorted(p.name for p in unpacked.folder.rglob("*") if p.is_file()) == ["VID_0001.mp4"]
    assert [d.id for d in read_collection(unpacked.folder)] == ["VID_0001.mp4"]

    picked = [
        write(tmp_path / "picked" / "VID_0002.mov", clip),
        write(tmp_path / "picked" / "memo.m4a", b"m4a"),
    ]
    upload = gather_upload(picked, tmp_path / "up", ZipLimits())
    assert sorted(p.name for p in upload.folder.iterdir()) == ["VID_0002.mov"] and upload.name == "VID_0002"
    [left_out] = upload.left_out
    assert (left_out.source, left_out.reason) == ("memo.m4a", "unsupported type")
    assert (
        str(left_out.message)
        == "memo.m4a: not a note, document, picture or video this app reads; not indexed"
    )


def test_a_damaged_keyframe_costs_only_itself_and_a_video_of_none_is_said(tmp_path):
    clip = video(tmp_path / "made" / "clip.mp4", seconds=8.0, size=(320, 240))
    keys = [(p.pts * p.time_base, p.pos, p.size) for p in av.open(str(clip)).demux(video=0) if p.is_keyframe]
    data = bytearray(clip.read_bytes())
    _, at, size = keys[2]  # the keyframe at 2 s, where the second picture is looked for
    data[at : at + size] = bytes(size)
    write(tmp_path / "trip" / "scratched.mp4", bytes(data))
    for _, at, size in keys:
        data[at : at + size] = bytes(size)
    write(tmp_path / "trip" / "ruined.mp4", bytes(data))
    docs, warned = read_warnings(tmp_path / "trip")
    [scratched] = docs
    assert [f.name.rsplit(" ", 1)[1] for f in scratched.images] == ["0:00", "0:03", "0:04", "0:06"]
    assert [(w.file, w.reason, str(w)) for w in warned] == [
        (
            "ruined.mp4",
            "unreadable",
            "ruined.mp4: none of its pictures could be decoded, a damaged video; not indexed",
        )
    ]


def test_whatever_the_decoder_raises_costs_only_its_file(tmp_path, monkeypatch):
    video(tmp_path / "a.mp4")
    video(tmp_path / "b.mp4")
    real = video_frames.read_video

    def failing(path):
        if path.name == "a.mp4":
            raise RuntimeError(f"boom in {path}")  # its message (a full path) is not shown
        return real(path)

    monkeypatch.setattr(video_frames, "read_video", failing)
    docs, warned = read_warnings(tmp_path)
    assert [d.id for d in docs] == ["b.mp4"]
    assert [str(w) for w in warned] == ["a.mp4: not read, FFmpeg failed on it (RuntimeError); not indexed"]
