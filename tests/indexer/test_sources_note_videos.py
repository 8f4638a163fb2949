"""A video a note shows is read in its place, its length then its keyframes as pictures (Markdown,
Obsidian, `<video>`, a Hugo shortcode, Day One, Keep, SiYuan); it is not also a document of its own;
a note's video pictures are bounded; bad videos are said by the note, naming them as written; an
unchanged note opens no video again."""

from __future__ import annotations

import sys
import warnings

from source_helpers import read_warnings, settle, write
from test_sources_dayone import entry, journal
from test_sources_keep import keep_note
from test_sources_siyuan import BOX, PARENT, document, paragraph, text
from test_sources_videos import colour_of, near
from video_helpers import COLOURS, sound_only, video

import indexer.sources.video_frames as video_frames
from indexer import Searcher
from indexer.build import build_index
from indexer.skipped import Skipped, summarise
from indexer.sources import note_videos, read_collection, videos
from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment


def kinds(doc: InterleavedDoc) -> list[str]:
    """Segments as 'T:<text>' and 'F:<frame name after the note's>' for exact comparisons."""
    return [
        f"T:{s.text}" if isinstance(s, TextSegment) else "F:" + s.name.split(": ", 1)[1] for s in doc.segments
    ]


def test_an_obsidian_embed_is_read_in_place_by_its_keyframes_and_is_no_document_of_its_own(tmp_path):
    video(tmp_path / "att" / "tap-leak.mp4", seconds=8.0)
    write(tmp_path / ".obsidian" / "app.json", "{}")
    write(tmp_path / "Tap.md", "# Tap\n\nThe leak, filmed:\n\n![[tap-leak.mp4]]\n\nFixed with a washer.\n")

    docs, warned = read_warnings(tmp_path)

    assert warned == []
    [doc] = docs  # the video is found through the note, once: as a picture a note shows
    assert kinds(doc) == [
        "T:# Tap\n\nThe leak, filmed:\n\nvideo, 8 s",
        *(f"F:![[tap-leak.mp4]], frame at 0:0{s}" for s in (0, 2, 4, 6)),
        "T:Fixed with a washer.",
    ]
    frames = doc.images
    assert all(near(colour_of(f), COLOURS[i]) for f, i in zip(frames, (0, 2, 4, 0), strict=True))


def test_an_m4v_embed_is_a_video_not_a_note_named(tmp_path):
    clip = video(tmp_path / "made" / "clip.mp4", seconds=1.0)
    write(tmp_path / "vault" / "att" / "iPod clip.m4v", clip.read_bytes())  # an MP4 by another name
    write(tmp_path / "vault" / ".obsidian" / "app.json", "{}")
    write(tmp_path / "vault" / "Old.md", "Old clip:\n\n![[iPod clip.m4v]]\n")
    docs, warned = read_warnings(tmp_path / "vault")
    assert warned == []
    assert [kinds(d) for d in docs] == [["T:Old clip:\n\nvideo, 1 s", "F:![[iPod clip.m4v]], frame at 0:00"]]


def test_markdown_links_html_video_tags_and_a_hugo_shortcode_are_read_in_place(tmp_path):
    video(tmp_path / "media" / "knead.mp4", seconds=2.0, keyint=10)
    video(tmp_path / "media" / "rise.webm".replace(".webm", ".mov"), seconds=1.0)
    write(
        tmp_path / "bread.md",
        "Knead: ![](media/knead.mp4)\n\n"
        '<video controls><source src="media/rise.mov" type="video/quicktime">'
        "Your browser cannot play this.</video>\n\n"
        '<video src="media/knead.mp4" />\n\n'
        '{{< video src="media/rise.mov" >}}\n',
    )
    write(
        tmp_path / "page.html",
        "<p>Rising</p><video><source src='media/rise.mov'><source src='media/rise.mp4'>"
        "Download it instead</video><p>done</p>",
    )

    docs, warned = read_warnings(tmp_path)

    assert warned == []
    assert [d.id for d in docs] == ["bread.md", "page.html"]
    bread, page = docs
    assert kinds(bread) == [
        "T:Knead: video, 2 s",
        "F:media/knead.mp4, frame at 0:00",
        "F:media/knead.mp4, frame at 0:01",
        "T:video, 1 s",  # its first <source>; the browser's fallback words are no note's
        "F:media/rise.mov, frame at 0:00",
        "T:video, 2 s",
        "F:media/knead.mp4, frame at 0:00",
        "F:media/knead.mp4, frame at 0:01",
        "T:video, 1 s",
        "F:media/rise.mov, frame at 0:00",
    ]
    assert kinds(page) == ["T:Rising\n\nvideo, 1 s", "F:media/rise.mov, frame at 0:00", "T:done"]


def test_a_websites_page_reads_the_video_it_shows_and_the_folder_says_only_the_others(tmp_path):
    write(tmp_path / "hugo.toml", 'title = "Kitchen"\n')
    write(tmp_path / "content" / "posts" / "bread" / "index.md", '# Bread\n\n{{< video src="knead.mp4" >}}\n')
    video(tmp_path / "content" / "posts" / "bread" / "knead.mp4", seconds=1.0)
    video(tmp_path / "static" / "intro.mp4", seconds=1.0)

    docs, warned = read_warnings(tmp_path)

    assert [kinds(d) for d in docs] == [["T:# Bread\n\nvideo, 1 s", "F:knead.mp4, frame at 0:00"]]
    assert [str(w) for w in warned] == ["static/: 1 video(s) of the website (its pages' media); not indexed"]


def test_bad_videos_are_said_by_the_note_naming_them_as_written(tmp_path):
    good = video(tmp_path / "v" / "good.mp4")
    write(tmp_path / "v" / "cut.mp4", good.read_bytes()[:300])
    write(tmp_path / "v" / "notes.mp4", "a text file named .mp4\n")
    sound_only(tmp_path / "v" / "voice memo.mp4")
    write(
        tmp_path / "Trip.md",
        "Trip\n\n![](v/gone.mp4)\n![](v/notes.mp4)\n![](v/cut.mp4)\n![](<v/voice memo.mp4>)\n"
        "![](https://cdn.example.com/clip.mp4)\n\nThe end.\n",
    )

    docs, warned = read_warnings(tmp_path)

    assert kinds(docs[0]) == ["T:Trip\n\nThe end."]  # the note kept, each video said
    said = [(w.reason, w.reference, str(w)) for w in warned]
    damaged = "not a video FFmpeg can read, or a damaged one (Invalid data found when processing input)"
    assert said[0] == ("missing", "v/gone.mp4", "Trip.md: video skipped, file not found: v/gone.mp4")
    assert said[1] == ("unreadable", "v/notes.mp4", f"Trip.md: video skipped, {damaged}: v/notes.mp4")
    assert said[2][:2] == ("unreadable", "v/cut.mp4") and said[2][2].startswith("Trip.md: video skipped, ")
    assert said[3] == (
        "unsupported type",
        "v/voice memo.mp4",
        "Trip.md: video skipped, holds sound only, no pictures (audio recordings are not read): "
        "v/voice memo.mp4",
    )
    assert said[4] == (
        "remote",
        "https://cdn.example.com/clip.mp4",
        "Trip.md: video URL not fetched, skipped: https://cdn.example.com/clip.mp4",
    )
    assert len(said) == 5
    assert summarise([Skipped("Trip.md", "https://cdn.example.com/clip.mp4", "remote", said[4][2])]) == [
        "1 skipped (remote): Trip.md (https://cdn.example.com/clip.mp4)"  # no offer to download it
    ]
    assert not any(str(tmp_path) in str(w) for w in warned)
    # the videos the note shows are its own, said once by it; one no note shows is a document
    assert [d.id for d in docs] == ["Trip.md", "v/good.mp4"]


def test_without_pyav_the_package_is_said_once_and_each_video_by_its_note(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)
    videos.available.cache_clear()
    try:
        write(tmp_path / "a.mp4", b"x")
        write(tmp_path / "Note.md", "Look: ![](a.mp4) ![](b.mov)\n")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            docs = read_collection(tmp_path)
        assert [str(w.message) for w in caught] == [
            "videos are not read without PyAV: pip install av",  # once
            "Note.md: video not read (PyAV is not installed): a.mp4",
            "Note.md: video not read (PyAV is not installed): b.mov",
            "a.mp4: videos are not read; not indexed",  # as today, when no note shows it too
        ]
        assert [d.text for d in docs] == ["Look:"]
    finally:
        videos.available.cache_clear()


def test_a_note_of_many_videos_reads_at_most_12_of_their_pictures_and_says_so(tmp_path):
    for number in range(5):
        video(tmp_path / f"c{number}.mp4", seconds=8.0)
    write(tmp_path / "Many.md", "".join(f"![](c{number}.mp4)\n\n" for number in range(5)))

    docs, warned = read_warnings(tmp_path)

    assert note_videos.MAX_NOTE_FRAMES == 12
    assert len(docs[0].images) == 12  # three videos' four pictures each
    assert [s.text for s in docs[0].segments if isinstance(s, TextSegment)][-1] == "video, 8 s\n\nvideo, 8 s"
    assert [(w.reason, str(w)) for w in warned] == [
        (
            "too large",
            "Many.md: shows more video than is read (at most 12 video pictures a note); "
            "read by its length only, and any after it by their length: c3.mp4",
        )
    ]


def test_day_one_keep_and_siyuan_videos_are_read_in_place(tmp_path):
    dayone = tmp_path / "dayone"
    placed = video(dayone / "videos" / f"{'a' * 32}.mov", seconds=1.0)
    video(dayone / "videos" / f"{'b' * 32}.mp4", seconds=1.0)
    clips = [
        {"identifier": "V1", "md5": "a" * 32, "type": "mov"},
        {"identifier": "V2", "md5": "b" * 32, "type": "mp4"},  # attached, not placed: after the text
    ]
    write(
        dayone / "Journal.json",
        journal(entry("E1", "Surf\n\n![](dayone-moment:/video/V1)\n\nCold.", videos=clips)),
    )
    keep = tmp_path / "Keep"
    write(keep / "clip.mp4", placed.read_bytes())
    keep_note(
        keep,
        "Leak",
        title="Leak",
        textContent="drip",
        attachments=[{"filePath": "clip.mp4", "mimetype": "video/mp4"}],
    )
    box = tmp_path / "siyuan" / BOX
    write(box / ".siyuan/conf.json", '{"name": "Garden"}')
    write(box / "assets/hose-20240101010101-abcdefg.mp4", placed.read_bytes())
    node = {
        "Type": "NodeVideo",
        "Data": '<video controls="controls" src="assets/hose-20240101010101-abcdefg.mp4"></video>',
    }
    write(box / f"{PARENT}.sy", document(PARENT, "Watering", paragraph(text("Hose:")), node))

    docs, warned = read_warnings(tmp_path)

    assert warned == []
    by_id = {d.id: kinds(d) for d in docs}
    assert by_id == {
        "dayone/Journal.json/E1": [
            "T:Surf\n\nvideo, 1 s",
            f"F:videos/{'a' * 32}.mov (entry 'Surf'), frame at 0:00",
            "T:Cold.\n\nvideo, 1 s",
            f"F:videos/{'b' * 32}.mp4 (entry 'Surf'), frame at 0:00",
        ],
        "Keep/Leak.json": ["T:Leak\n\ndrip\n\nvideo, 1 s", "F:clip.mp4, frame at 0:00"],
        f"siyuan/{BOX}/{PARENT}.sy": [
            "T:# Watering\n\nHose:\n\nvideo, 1 s",
            "F:assets/hose-20240101010101-abcdefg.mp4, frame at 0:00",
        ],
    }


def test_an_unchanged_note_opens_no_video_and_a_changed_video_is_read_again(tiny_dsvl, tmp_path, monkeypatch):
    folder, uri = tmp_path / "notes", tmp_path / "index"
    clip = video(folder / "clips" / "kettle.mp4", seconds=4.0)
    write(folder / "Kettle.md", "# Kettle\n\nDescaling, filmed:\n\n![[kettle.mp4]]\n")
    write(folder / "Again.md", "# Again\n\n![[kettle.mp4]]\n")
    settle(folder)
    real, decoded = video_frames.read_video, []

    def counted(path):
        decoded.append(path.name)
        return real(path)

    monkeypatch.setattr(video_frames, "read_video", counted)
    first = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (first.added, decoded) == (2, ["kettle.mp4"])  # two notes show it: decoded once
    hits = Searcher.open(uri, None, warm=False).search(
        InterleavedDoc((TextSegment("descaling video"),)), k=2, mode="keyword"
    )
    assert hits[0].id == "notes/Kettle.md"

    again = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (again.notes_read, again.unchanged, again.embedded, decoded) == (0, 2, 0, ["kettle.mp4"])

    video(clip, seconds=2.0, still=True)  # the video changes: the notes showing it are read again
    settle(folder, age=5.0)
    third = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (third.notes_read, third.updated, decoded) == (2, 2, ["kettle.mp4", "kettle.mp4"])
    [doc] = [d for d in read_collection(folder) if d.id == "Again.md"]  # read_collection: ids in it
    assert kinds(doc) == ["T:# Again\n\nvideo, 2 s", "F:![[kettle.mp4]], frame at 0:00"]
    assert isinstance(doc.segments[1], ImageSegment)
