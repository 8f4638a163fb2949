"""Archives as they download: zips from Windows, macOS and Linux, tar archives, and bad ones.

Zips are written with raw name bytes and no UTF-8 flag, as Windows' "compressed folder" (the system
code page) and macOS's Archive Utility (UTF-8, decomposed) write them; after unpacking, a note's
`![](图片/步骤1.jpg)` must find its picture. Every refusal names the archive as the person named it and
leaves nothing in the destination."""

from __future__ import annotations

import io
import tarfile
import unicodedata
import zipfile

import pytest
from index_helpers import draw

from indexer.archives import DEFAULT_LIMITS, ArchiveLimits, archive_collection_name, unpack_archive
from indexer.sources import read_collection
from indexer.sources.archive_names import choose_encoding
from mme_core import ImageSegment


class RawName(zipfile.ZipInfo):
    """A member whose name is written as these bytes, flag unset (Python would write UTF-8 + flag)."""

    def __init__(self, raw: bytes):
        super().__init__(raw.decode("cp437"))
        self.raw = raw

    def _encodeFilenameFlags(self):
        return self.raw, self.flag_bits


def raw_zip(path, members: dict[str, bytes], encoding: str, nfd: bool = False):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            name = unicodedata.normalize("NFD", name) if nfd else name
            archive.writestr(RawName(name.encode(encoding)), data)
    with zipfile.ZipFile(path) as archive:  # as Python reads it: no flag, so CP437 mojibake
        assert all(not info.flag_bits & 0x800 for info in archive.infolist())
    return path


def picture_bytes(tmp_path, color="red"):
    return draw(tmp_path / f"{color}.png", color, "circle").read_bytes()


NOTES = {  # encoding: (note, picture, the note's text linking the picture)
    "gb18030": ("笔记/安装水槽.md", "图片/步骤1.jpg", "# 安装水槽\n\n先拧紧螺丝。\n"),
    "shift_jis": ("メモ/台所の棚.md", "画像/手順1.jpg", "# 台所の棚\n\nネジを締めます。\n"),
    "cp949": ("메모/싱크대 설치.md", "사진/단계1.jpg", "# 싱크대 설치\n\n나사를 조입니다.\n"),
    "big5": ("筆記/安裝水槽.md", "圖片/步驟1.jpg", "# 安裝水槽\n\n先鎖緊螺絲。\n"),
}


@pytest.mark.parametrize("encoding", list(NOTES))
def test_a_windows_zip_in_the_system_code_page_unpacks_with_its_names(tmp_path, encoding):
    note, picture, text = NOTES[encoding]
    text += f"\n![](../{picture})\n"
    archive = raw_zip(
        tmp_path / "notes.zip",
        {note: text.encode(), picture: picture_bytes(tmp_path)},
        encoding,
    )
    unpacked = unpack_archive(archive, tmp_path / "out")
    assert unpacked.encoding == encoding
    assert (unpacked.folder / note).read_text() == text and (unpacked.folder / picture).is_file()
    [doc] = read_collection(unpacked.folder)
    assert [s.path for s in doc.segments if isinstance(s, ImageSegment)] == [str(unpacked.folder / picture)]


def test_names_are_decoded_as_the_notes_link_them_when_plausibility_alone_would_not_tell(tmp_path):
    """Korean bytes read as GBK are common Chinese characters: the note's link decides."""
    raw = ["사진/부엌.png".encode("cp949"), "메모.md".encode("cp949")]
    assert choose_encoding(raw, "![](사진/부엌.png)") == "cp949"
    assert choose_encoding(raw, "![](%EC%82%AC%EC%A7%84/%EB%B6%80%EC%97%8C.png)") == "cp949"  # URL-encoded
    assert choose_encoding(["图片/步骤.png".encode("gb18030")], "") == "gb18030"
    assert choose_encoding([b"plain/ascii.md"], "") == "utf-8"


def test_a_macos_zip_utf8_without_the_flag_and_decomposed_reads_composed(tmp_path):
    text = "# Crème brûlée\n\n![](photos/crème.png)\n\n![](写真/ポテト.png)\n"
    archive = raw_zip(
        tmp_path / "Recettes.zip",
        {
            "Recettes/Crème brûlée.md": text.encode(),
            "Recettes/photos/crème.png": picture_bytes(tmp_path),
            "Recettes/写真/ポテト.png": picture_bytes(tmp_path, "blue"),
        },
        "utf-8",
        nfd=True,
    )
    unpacked = unpack_archive(archive, tmp_path / "out")
    assert unpacked.encoding == "utf-8" and unpacked.folder.name == "Recettes"
    names = sorted(p.relative_to(unpacked.folder).as_posix() for p in unpacked.folder.rglob("*.*"))
    assert names == ["Crème brûlée.md", "photos/crème.png", "写真/ポテト.png"]
    assert all(unicodedata.is_normalized("NFC", name) for name in names)
    [doc] = read_collection(unpacked.folder)
    assert sum(isinstance(s, ImageSegment) for s in doc.segments) == 2


def make_tar(path, members: dict[str, bytes], mode="w:gz", extra=()):
    with tarfile.open(path, mode) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1_700_000_000
            archive.addfile(info, io.BytesIO(data))
        for info in extra:
            archive.addfile(info)
    return path


KINDS = [(".tar.gz", "w:gz"), (".tgz", "w:gz"), (".tar", "w"), (".tar.bz2", "w:bz2"), (".tar.xz", "w:xz")]


@pytest.mark.parametrize("suffix, mode", KINDS)
def test_a_tar_archive_from_a_linux_box_unpacks_like_a_zip(tmp_path, suffix, mode):
    archive = make_tar(
        tmp_path / f"notes{suffix}",
        {
            "notes/a.md": b"# A\n\n![](img/a.png)\n",
            "notes/img/a.png": picture_bytes(tmp_path),
            "notes/x.sh": b"rm",
        },
        mode,
    )
    unpacked = unpack_archive(archive, tmp_path / "out")
    assert (unpacked.folder.name, unpacked.name, unpacked.reused) == ("notes", "notes", False)
    assert sorted(p.name for p in unpacked.folder.rglob("*")) == ["a.md", "a.png", "img"]  # no script
    assert (unpacked.folder / "a.md").stat().st_mtime == 1_700_000_000  # its date kept
    [doc] = read_collection(unpacked.folder)
    assert any(isinstance(s, ImageSegment) for s in doc.segments)
    again = unpack_archive(archive, tmp_path / "out")
    assert again.folder == unpacked.folder and again.reused


def refused(archive, tmp_path, match, limits=DEFAULT_LIMITS):
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=match) as caught:
        unpack_archive(archive, out, limits)
    assert archive.name in str(caught.value) and str(tmp_path) not in str(caught.value)
    assert not out.exists() or [p for p in out.iterdir() if p.is_dir()] == []  # nothing half-written
    return str(caught.value)


def link(name, kind=tarfile.SYMTYPE, target="/etc/passwd"):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def test_bad_tar_archives_are_refused_naming_them_and_leave_nothing(tmp_path):
    note = {"n/a.md": b"# a\n" + bytes(range(256)) * 400}
    refused(make_tar(tmp_path / "links.tgz", note, extra=[link("n/evil.md")]), tmp_path, "symbolic link")
    hard = link("n/h.md", tarfile.LNKTYPE, "n/a.md")
    refused(make_tar(tmp_path / "hard.tgz", note, extra=[hard]), tmp_path, "member 'n/h.md' is a hard link")
    device = link("n/zero", tarfile.CHRTYPE, "")
    refused(make_tar(tmp_path / "dev.tgz", note, extra=[device]), tmp_path, "'n/zero' is a device or pipe")
    refused(make_tar(tmp_path / "escape.tgz", {**note, "../evil.md": b"x"}), tmp_path, "points outside")
    refused(make_tar(tmp_path / "abs.tar", {**note, "/etc/evil.md": b"x"}, "w"), tmp_path, "points outside")
    whole = make_tar(tmp_path / "whole.tgz", note).read_bytes()
    (tmp_path / "cut.tgz").write_bytes(whole[: len(whole) // 2])
    assert "cut short" in refused(tmp_path / "cut.tgz", tmp_path, "cannot unpack cut.tgz")
    plain = make_tar(tmp_path / "whole.tar", note, "w").read_bytes()
    (tmp_path / "cut.tar").write_bytes(plain[:5000])
    refused(tmp_path / "cut.tar", tmp_path, "cannot unpack cut.tar: it is cut short")
    (tmp_path / "junk.tgz").write_bytes(b"\x1f\x8b not really gzip")
    refused(tmp_path / "junk.tgz", tmp_path, "cannot unpack junk.tgz: not a readable tar archive")
    bomb = make_tar(tmp_path / "bomb.tgz", {"n/a.md": b"# a\n", "n/zeros.md": bytes(5 * 1024**2)})
    refused(bomb, tmp_path, "expands .*refusing a possible zip bomb")
    many = make_tar(tmp_path / "many.tgz", {f"n/{i}.md": b"# n\n" for i in range(30)})
    refused(many, tmp_path, "many.tgz holds more than 10 files", ArchiveLimits(max_files=10))


def test_bad_zips_are_refused_naming_them_and_leave_nothing(tmp_path):
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.md", bytes(1024**2))
    refused(tmp_path / "bomb.zip", tmp_path, "bomb.zip: member 'a.md' expands .*zip bomb")
    with zipfile.ZipFile(tmp_path / "link.zip", "w") as archive:
        info = zipfile.ZipInfo("notes/evil.md")
        info.external_attr = (0o120777 << 16) | 0
        archive.writestr(info, "/etc/passwd")
        archive.writestr("notes/a.md", "# a")
    refused(tmp_path / "link.zip", tmp_path, "link.zip: member 'notes/evil.md' is a symbolic link")
    whole = zipfile.ZipFile(tmp_path / "whole.zip", "w")
    whole.writestr("a.md", "# a\n" * 1000)
    whole.close()
    (tmp_path / "cut.zip").write_bytes((tmp_path / "whole.zip").read_bytes()[:-30])
    refused(tmp_path / "cut.zip", tmp_path, "not a zip file: cut.zip|cannot unpack cut.zip")
    data = bytearray((tmp_path / "whole.zip").read_bytes())
    for header in (b"PK\x03\x04", b"PK\x01\x02"):  # the "encrypted" flag in both headers
        at = data.find(header)
        data[at + (6 if header == b"PK\x03\x04" else 8)] |= 0x01
    (tmp_path / "locked.zip").write_bytes(bytes(data))
    message = refused(
        tmp_path / "locked.zip", tmp_path, "cannot unpack locked.zip: member 'a.md' is encrypted"
    )
    assert "password" in message


@pytest.mark.parametrize("name", ["Notes.rar", "Notes.7z", "notes.md.gz", "vault.tar.zst"])
def test_archives_we_do_not_read_are_refused_with_what_to_do(tmp_path, name):
    (tmp_path / name).write_bytes(b"Rar!\x1a\x07\x00 whatever")
    message = refused(tmp_path / name, tmp_path, f"cannot unpack {name}: .* files are not read here")
    assert "unpack it yourself and add its folder" in message


def test_the_collection_name_is_the_same_for_every_download_of_one_export():
    assert archive_collection_name("notes.zip") == "notes"
    assert archive_collection_name("notes (1).zip") == "notes"
    assert archive_collection_name("My Vault (2).tar.gz") == "My Vault"
    assert archive_collection_name("takeout-20241201T101500Z-001.zip") == "takeout"
    assert archive_collection_name("backup.tgz") == "backup"
    assert archive_collection_name("家の メモ.zip") == "家の メモ"
    assert archive_collection_name("Diaro_20250821.zip") == "Diaro"  # dates and ids change per download
    assert archive_collection_name("dynalist-backup-2024-04-12.zip") == "dynalist-backup"
    assert archive_collection_name("7acd77c1-0197-44e3-9793-ae81ab520ac9_Export.zip") == "Export"
    assert archive_collection_name("Standard Notes - Fri Jan 14 2022 10_31_29.zip") == "Standard Notes"
    assert archive_collection_name("Notebook_14Apr2024_0732_znote.zip") == "Notebook znote"  # Zoho
    assert archive_collection_name("2024-05-01.zip") == "2024-05-01"  # nothing else: kept


def test_an_export_wrapped_in_another_zip_is_unpacked_from_the_zips_inside(tmp_path):
    """Notion's download: `<id>_Export.zip` holding `Export-<id>-Part-1.zip` (and Part-2...)."""
    parts = []
    for number, members in enumerate([{"Export/Home.md": b"# Home\n\n![](Home/a.png)\n"},
                                      {"Export/Home/a.png": picture_bytes(tmp_path)}], 1):  # fmt: skip
        inner = io.BytesIO()
        with zipfile.ZipFile(inner, "w") as part:
            for name, data in members.items():
                part.writestr(name, data)
        parts.append((f"Export-0a1b-Part-{number}.zip", inner.getvalue()))
    outer = tmp_path / "7acd77c1-0197-44e3-9793-ae81ab520ac9_Export.zip"
    with zipfile.ZipFile(outer, "w") as archive:
        for name, data in parts:
            archive.writestr(name, data)
    unpacked = unpack_archive(outer, tmp_path / "out")
    assert (unpacked.folder.name, unpacked.name) == ("Export", "Export")
    [doc] = read_collection(unpacked.folder)
    pictures = [s.path for s in doc.segments if isinstance(s, ImageSegment)]
    assert pictures == [str(unpacked.folder / "Home" / "a.png")]  # Part-1's note shows Part-2's picture
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as archive:
        archive.writestr("Part-1.zip", b"not a zip at all")
    refused(tmp_path / "bad.zip", tmp_path / "again", "cannot unpack bad.zip")
