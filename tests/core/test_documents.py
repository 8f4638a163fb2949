from __future__ import annotations

from pathlib import Path

import pytest

from mme_core import ImageSegment, InterleavedDoc, TextSegment


def test_from_data_resolves_images_against_root_and_round_trips(tmp_path, image_factory):
    image = Path(image_factory("red"))
    data = ["How to fold", image.name, "Step 2", "   ", image.name]
    doc = InterleavedDoc.from_data(data, root=image.parent, id="d1")
    assert [type(s).__name__ for s in doc.segments] == [
        "TextSegment",
        "ImageSegment",
        "TextSegment",
        "ImageSegment",
    ]
    assert doc.segments[1].path == str(image)
    assert doc.to_data(root=image.parent) == ["How to fold", image.name, "Step 2", image.name]


def test_text_and_views():
    doc = InterleavedDoc((TextSegment("a"), ImageSegment("/x.png"), TextSegment("b")))
    assert doc.text == "a\nb"
    assert doc.text_only().segments == (TextSegment("a"), TextSegment("b"))
    assert doc.images_only().segments == (ImageSegment("/x.png"),)
    assert InterleavedDoc((TextSegment("t"),)).images_only() is None


@pytest.mark.parametrize(
    ("segments", "message"),
    [
        ((), "empty document"),
        ((TextSegment("  "),), "all text is blank"),
        (("plain string",), "unknown segment type str"),
    ],
)
def test_bad_documents_name_the_cause(segments, message):
    with pytest.raises(ValueError, match=message):
        InterleavedDoc(segments)


def test_from_data_rejects_non_strings():
    with pytest.raises(ValueError, match=r"'data'\[1\] must be a string"):
        InterleavedDoc.from_data(["ok", 3])


def test_bad_images_name_the_file(tmp_path):
    missing = tmp_path / "nope.png"
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg")
    for path, message in [(missing, "image not found"), (empty, "0 bytes"), (corrupt, "image")]:
        doc = InterleavedDoc((TextSegment("x"), ImageSegment(str(path))))
        with pytest.raises(ValueError, match=message) as info:
            doc.validate()
        assert path.name in str(info.value)


def test_content_hash_follows_image_bytes_not_names(tmp_path, image_factory):
    first = Path(image_factory("red"))
    doc = InterleavedDoc((TextSegment("x"), ImageSegment(str(first))))
    before = doc.content_hash()
    renamed = first.rename(tmp_path / "renamed.png")
    assert InterleavedDoc((TextSegment("x"), ImageSegment(str(renamed)))).content_hash() == before
    renamed.write_bytes(Path(image_factory("blue")).read_bytes())
    assert InterleavedDoc((TextSegment("x"), ImageSegment(str(renamed)))).content_hash() != before
