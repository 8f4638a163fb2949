"""Composer value -> InterleavedDoc: exact order, and refusal of every path the app did not hand out."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment
from webapp.query import (
    MAX_IMAGE_BYTES,
    MAX_IMAGES,
    MAX_ITEMS,
    composer_from_doc,
    doc_from_api,
    doc_from_composer,
)


def uploaded(image_factory, upload_root, colour="red"):
    source = image_factory(colour)
    target = upload_root / "abc123" / os.path.basename(source)
    target.parent.mkdir(exist_ok=True)
    shutil.copy(source, target)
    return str(target)


def test_exact_order_text_image_text_image(media, image_factory, upload_root):
    red, blue = uploaded(image_factory, upload_root, "red"), uploaded(image_factory, upload_root, "blue")
    value = [
        {"type": "text", "text": "my sink looks like"},
        {"type": "image", "path": red, "name": "sink.png"},
        {"type": "text", "text": "after"},
        {"type": "image", "path": blue},
    ]
    doc = doc_from_composer(value, media)
    kinds = [type(s).__name__ for s in doc.segments]
    assert kinds == ["TextSegment", "ImageSegment", "TextSegment", "ImageSegment"]
    assert doc.segments[1].path == os.path.realpath(red) and doc.segments[3].path == os.path.realpath(blue)
    assert doc_from_composer(json.dumps(value), media) == doc  # the JSON string form is the same query


def test_blank_text_boxes_are_dropped_but_an_all_blank_query_is_refused(media):
    doc = doc_from_composer([{"type": "text", "text": "  "}, {"type": "text", "text": "fold it"}], media)
    assert doc.segments == (TextSegment("fold it"),)
    for empty in (None, "", [], [{"type": "text", "text": "   "}]):
        with pytest.raises(ValueError, match="the query is empty"):
            doc_from_composer(empty, media)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{not json", "not valid JSON"),
        ({"type": "text"}, "must be a list"),
        (["text"], "must be an object"),
        ([{"type": "video", "path": "x"}], r"unknown type 'video'; valid types are \('text', 'image'\)"),
        ([{"type": "text", "text": 5}], "text must be a string"),
        ([{"type": "text", "text": "x"}] * (MAX_ITEMS + 1), f"at most {MAX_ITEMS}"),
        ([{"type": "text", "text": "x" * 20_001}], "at most 20,000"),
        ([{"type": "image", "ref": "deadbeef"}], "unknown image reference"),
        ([{"type": "image", "ref": 7}], "must be a string token"),
        ([{"type": "image"}], "non-empty string"),
    ],
)
def test_bad_composer_values_name_the_problem(media, value, message):
    with pytest.raises(ValueError, match=message):
        doc_from_composer(value, media)


@pytest.mark.parametrize(
    "make_path",
    [
        lambda root, image: "/etc/passwd",
        lambda root, image: str(root / ".." / "outside.png"),
        lambda root, image: image,  # a real image, but not uploaded
        lambda root, image: str(root) + "/../" + os.path.basename(os.path.dirname(image)) + "/x.png",
    ],
)
def test_paths_outside_the_upload_folder_are_refused(media, upload_root, image_factory, make_path):
    path = make_path(upload_root, image_factory("red"))
    with pytest.raises(ValueError, match="refused image path") as refused:
        doc_from_composer([{"type": "image", "path": path}], media)
    assert str(upload_root) not in str(refused.value).replace(path, "")  # the server's folder is not named
    with pytest.raises(ValueError, match="refused image path"):
        doc_from_api([{"path": path, "meta": {"_type": "gradio.FileData"}}], media)


def test_a_symlink_in_the_upload_folder_pointing_outside_is_refused(media, upload_root, image_factory):
    link = upload_root / "sneaky.png"
    link.symlink_to(image_factory("red"))
    with pytest.raises(ValueError, match="refused image path"):
        doc_from_composer([{"type": "image", "path": str(link)}], media)


def test_an_uploaded_file_that_is_not_an_image_is_refused_by_the_name_the_person_gave(media, upload_root):
    stored = upload_root / "3f9a0c" / "fake.jpg"  # Gradio keeps uploads under a hash folder
    stored.parent.mkdir()
    stored.write_text("just some text, renamed .jpg")
    for query in (
        lambda: doc_from_composer([{"type": "image", "path": str(stored), "name": "fake.jpg"}], media),
        lambda: doc_from_api([{"path": str(stored), "orig_name": "fake.jpg"}], media),
    ):
        with pytest.raises(ValueError) as refused:
            query()
        assert str(refused.value) == "fake.jpg is not an image (cannot identify image file)"


def test_query_images_over_the_size_limit_are_refused_by_name(media, upload_root, image_factory):
    big = upload_root / "big.png"
    shutil.copy(image_factory("red"), big)
    with big.open("r+b") as handle:  # a real PNG header, then sparse padding past the limit
        handle.truncate(MAX_IMAGE_BYTES + 1024**2)
    with pytest.raises(ValueError, match=r"^holiday.png is 11.0 MB; query images up to 10 MB are accepted$"):
        doc_from_composer([{"type": "image", "path": str(big), "name": "holiday.png"}], media)


def test_a_plain_string_is_a_one_text_query_never_parsed_as_json(media):
    assert doc_from_api("fix a tap", media).segments == (TextSegment("fix a tap"),)
    assert doc_from_api('["not", "a list"]', media).segments == (TextSegment('["not", "a list"]'),)
    with pytest.raises(ValueError, match="the query is empty"):
        doc_from_api("   ", media)


def test_a_bad_upload_is_named_as_the_person_named_it_never_by_its_temporary_path(media, upload_root):
    stored = upload_root / "3f9a0c1e" / "image.png"
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    with pytest.raises(ValueError, match="my sink.png") as info:
        doc_from_composer([{"type": "image", "path": str(stored), "name": "my sink.png"}], media)
    assert "3f9a0c1e" not in str(info.value) and str(upload_root) not in str(info.value)


def test_too_many_images(media, upload_root, image_factory):
    path = uploaded(image_factory, upload_root)
    with pytest.raises(ValueError, match=f"at most {MAX_IMAGES} are allowed"):
        doc_from_composer([{"type": "image", "path": path}] * (MAX_IMAGES + 1), media)


def test_api_form_strings_are_text_and_file_dicts_are_images(media, upload_root, image_factory):
    path = uploaded(image_factory, upload_root)
    doc = doc_from_api(["before", {"path": path, "orig_name": "a.png"}, "after"], media)
    assert doc.segments == (TextSegment("before"), ImageSegment(os.path.realpath(path)), TextSegment("after"))
    with pytest.raises(ValueError, match="must be a string \\(text\\) or a file"):
        doc_from_api([3], media)


def test_a_shown_document_round_trips_through_the_composer_by_reference(media, image_factory):
    image = image_factory("green")
    doc = InterleavedDoc((TextSegment("step one"), ImageSegment(image), TextSegment("step two")), id="d")
    items = composer_from_doc(doc, media)
    assert [item["type"] for item in items] == ["text", "image", "text"]
    assert "path" not in items[1] and items[1]["url"].startswith("data:image/jpeg;base64,")
    again = doc_from_composer(items, media)
    contents = [getattr(s, "text", None) or s.path for s in again.segments]
    assert contents == ["step one", os.path.realpath(image), "step two"]


def test_a_phone_photo_in_heic_is_a_query_image(media, upload_root):
    from PIL import Image

    stored = upload_root / "7c1e2d" / "IMG_4471.HEIC"
    stored.parent.mkdir()
    Image.new("RGB", (80, 60), "teal").save(stored, format="HEIF")
    doc = doc_from_composer([{"type": "image", "path": str(stored), "name": "IMG_4471.HEIC"}], media)
    assert [type(s).__name__ for s in doc.segments] == ["ImageSegment"]
    assert doc.segments[0].load().size == (80, 60)
