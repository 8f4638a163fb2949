"""Every way into the running app that takes a path or a file, tried with `../` and absolute paths:
the named API (as gradio_client's view_api lists it), every page event (called through the queue as
a browser or curl would, private or not), every gr.HTML server function, and the file routes.
Nothing outside what the app may read is read, served or indexed."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import httpx
import pytest

from bench.appclient import QueueCaller
from bench.indexing_throughput import make_collection

PASSWD_MARK = "root:x:0:0"
# Nothing to refuse: no input, or only collection names that show or hide a control.
UNREFUSING = ("stats", "plot", "comparison", "controls", "hide", "search_options", "not_indexed")
UNREFUSING += ("examples_visibility",)
REPO = Path(__file__).resolve().parents[2]


def hostile_paths(served: Path, work: Path, root: Path) -> list[str]:
    return [
        "/etc/passwd",
        "../../../../../../etc/passwd",
        "/tmp/gradio/../../etc/passwd",
        "..%2f..%2f..%2fetc%2fpasswd",
        "~/.bashrc",
        str(REPO / "app.py"),
        str(served / "img" / "0-0.png"),  # a collection picture: shown inline only, never by path
        str(work / "index"),
        str(work / "app.log"),
        str(root / ".."),  # the parent of the allowed root
        str(root / "later" / ".." / ".." / "etc"),
        "/",
    ]


def refused(outcome) -> bool:
    """An event either failed, or answered with the page's inline error notice."""
    if not outcome.success:
        return True
    first = (outcome.data or [None])[0]
    if isinstance(first, dict):  # a component update (e.g. the removal confirmation message)
        first = first.get("value")
    return isinstance(first, str) and "mme-error" in first


def leaked(outcome) -> bool:
    return PASSWD_MARK in json.dumps(outcome.data) + str(outcome.error)


def payloads(input_types: list[str], path: str) -> list[tuple[list, dict | None]]:
    """(data, event_data) attacks on an event, by the kinds of inputs it takes."""
    if input_types == ["api"] * 13:
        # the named /search: query list, n, k, mode, collections, folders, tags, vectors, budget, cascade,
        # language, all_translations, taken
        file_data = {"path": path, "meta": {"_type": "gradio.FileData"}}
        rest = ["", None, None, None, "", None, None, "", False, None]
        return [
            ([["text", {"path": path}], 3, 5, *rest], None),
            ([[file_data], 3, 5, *rest], None),
            ([["text"], 3, 5, path, None, None, None, "", None, None, "", False, None], None),
            ([["text"], 3, 5, "", [path], None, None, "", None, None, "", False, None], None),
            ([["text"], 3, 5, "", None, None, None, path, None, None, "", False, None], None),
            ([["text"], 3, 5, "", None, None, None, "", path, None, "", False, None], None),
            ([["text"], 3, 5, "", None, None, None, "", None, {"first_n": path}, "", False, None], None),
            ([["text"], 3, 5, "", None, None, None, "", None, None, path, False, None], None),
            ([["text"], 3, 5, "", None, None, None, "", None, None, "", path, None], None),
            ([["text"], 3, 5, "", None, None, None, "", None, None, "", False, [path]], None),
        ]
    if input_types == [
        "html",
        "html",
        "slider",
        "radio",
        "dropdown",
        "textbox",
        "dropdown",
        "radio",
        "checkbox",
        "dropdown",
        "checkbox",
        "textbox",
    ]:
        # composer, granularity, k, mode, collections, folder, tags, budget, cascade, language, every
        # language, taken
        items = [[{"type": "image", "path": path}], [{"type": "image", "ref": path}], [{"type": "image"}]]
        rest = ["keyword", [], "", [], 0, False, "", False, ""]
        fold = [{"type": "text", "text": "fold"}]
        return [([json.dumps(item), 3, 5, *rest], None) for item in items] + [
            ([items[0], 3, 5, *rest], None),
            ([fold, 3, 5, "keyword", [path], "", [], 0, False, "", False, ""], None),
            ([fold, 3, 5, "keyword", [], "", [], 0, False, path, False, ""], None),
            ([fold, 3, 5, "keyword", [], "", [], 0, False, "", False, path], None),
        ]
    if input_types == ["dropdown", "dropdown", "textbox"]:  # the language and date filters offered
        return [([[path], path, path], None), ([path, "", ""], None)]
    if input_types == ["checkbox", "radio"]:  # ticking the cascade box switches the mode
        return [([True, path], None), ([path, "semantic"], None)]
    if input_types == ["textbox", "textbox", "checkbox", "checkbox"]:  # a folder, name, words, downloads
        return [
            ([path, "", False, False], None),
            ([path, path, True, True], None),
            ([path, "", path, False], None),
            ([path, "", False, path], None),
        ]
    if input_types == ["dropdown"]:  # the collection to remove (or to confirm removing)
        return [([path], None)]
    if input_types == ["file", "textbox", "checkbox", "checkbox"]:  # index uploaded files (or a zip)
        return [
            ([[{"path": path, "meta": {"_type": "gradio.FileData"}}], "", False, False], None),
            ([[path], "", False, False], None),
            ([path, path, True, True], None),
        ]
    if input_types == []:  # loaders driven by the page's event payload
        return [([], {"doc": path}), ([], {"index": path}), ([], {"doc": path, "index": 0})]
    if input_types == ["state"]:  # server-side state: a client can only send null
        return [([path], None)]
    raise AssertionError(f"an event with inputs {input_types} has no attack written for it yet")


def test_the_only_named_api_is_search(live_app):
    from gradio_client import Client

    info = Client(live_app[0], verbose=False).view_api(return_format="dict", print_info=False)
    assert set(info["named_endpoints"]) == {"/search"}
    assert info["unnamed_endpoints"] == {}


@pytest.mark.slow  # every page event x every hostile path through the queue, ~3 min on 2 cores
def test_every_event_refuses_paths_outside_what_it_may_read(live_app, served_collection, collections_root):
    url, work = live_app
    caller = QueueCaller(url)
    stats = caller.event("stats")
    before = caller.call(stats, []).data[0]
    tried = set()
    for event in caller.events():
        types = caller.input_types(event)
        for path in hostile_paths(served_collection, work, collections_root):
            for data, event_data in payloads(types, path):
                outcome = caller.call(event, data, event_data)
                assert not leaked(outcome), (event.api_name, path)
                # stats, controls, hide, not_indexed take no input, plot and comparison only server
                # state; search_options and examples_visibility read collection names, never a path:
                # they only show or hide controls
                if event.api_name.startswith(UNREFUSING):
                    continue
                assert refused(outcome), (event.api_name, path, data, outcome)
        tried.add(event.api_name)
    assert tried == {e.api_name for e in caller.events()}
    after = caller.call(stats, []).data[0]
    assert after == before  # nothing was indexed from anywhere


def test_server_functions_take_only_tokens_the_page_was_given(live_app, served_collection, collections_root):
    url, work = live_app
    caller = QueueCaller(url)
    functions = caller.server_functions()
    assert functions, "the results component exposes full_document"
    for component_id, name in functions:
        for path in hostile_paths(served_collection, work, collections_root):
            response = caller.component_server(component_id, name, path)
            assert PASSWD_MARK not in response.text
            assert response.status_code != 200 or "mme-error" in response.text, (name, path)
    for component_id, _ in functions:  # only declared server functions are callable at all
        for name in ("__init__", "preprocess", "postprocess", "as_example", "api_info"):
            assert caller.component_server(component_id, name, "/etc/passwd").status_code == 404


@pytest.mark.parametrize(
    "route",
    [
        "gradio_api/file=/etc/passwd",
        "gradio_api/file=..%2f..%2f..%2f..%2fetc%2fpasswd",
        "gradio_api/file=%252e%252e/%252e%252e/etc/passwd",
        "gradio_api/file=/tmp/gradio/%2e%2e/%2e%2e/etc/passwd",
        "gradio_api/file=APP_LOG",
        "gradio_api/file=REPO/webapp/service.py",
        "gradio_api/file=ROOT/secret.txt",
        "gradio_api/proxy=http://127.0.0.1:1/",
        "file=/etc/passwd",
        "static/../../../../etc/passwd",
        "assets/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "gradio_api/file=~/.bashrc",
    ],
)
def test_file_routes_serve_nothing_outside_the_upload_folder(live_app, collections_root, route):
    url, work = live_app
    route = route.replace("APP_LOG", str(work / "app.log")).replace("REPO", str(REPO))
    route = route.replace("ROOT", str(collections_root))
    response = httpx.get(url + route, timeout=10)
    assert response.status_code in (400, 403, 404, 405), (route, response.status_code)
    assert PASSWD_MARK not in response.text and "not a collection" not in response.text


def test_a_file_this_client_uploaded_is_served_back_and_nothing_else(live_app, served_collection):
    """The upload folder is the one place the file route serves from."""
    url, _ = live_app
    picture = served_collection / "img" / "1-0.png"
    with picture.open("rb") as handle:
        uploaded = httpx.post(f"{url}gradio_api/upload", files={"files": handle}, timeout=30).json()[0]
    assert httpx.get(f"{url}gradio_api/file={uploaded}", timeout=10).content == picture.read_bytes()
    sibling = str(Path(uploaded).parent / ".." / ".." / "etc" / "passwd")
    assert httpx.get(f"{url}gradio_api/file={sibling}", timeout=10).status_code in (403, 404)


def upload(url: str, path: Path) -> dict:
    with path.open("rb") as handle:
        server_path = httpx.post(f"{url}gradio_api/upload", files={"files": handle}, timeout=60).json()[0]
    return {"path": server_path, "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}


def test_hostile_zips_uploaded_through_the_page_are_refused_and_leave_nothing(live_app, tmp_path):
    url, work = live_app
    caller = QueueCaller(url)
    zips = {
        "traversal.zip": [("../../escape.md", b"# escaped\n")],
        "absolute.zip": [("/tmp/escape-absolute.md", b"# escaped\n")],
        "bomb.zip": [("bomb.md", b"\0" * (40 * 1024 * 1024))],  # ~1000x compression
        "binary.zip": [("run.sh", b"#!/bin/sh\necho hi\n")],
    }
    for name, members in zips.items():
        with zipfile.ZipFile(tmp_path / name, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, data in members:
                archive.writestr(member, data)
    stats = caller.event("stats")
    before = caller.call(stats, []).data[0]
    unpacked = work / "data" / "uploaded-collections"
    existing = set(unpacked.iterdir()) if unpacked.is_dir() else set()
    index_upload = caller.event("index_upload")
    messages = {}
    for name in zips:
        outcome = caller.call(index_upload, [[upload(url, tmp_path / name)], "", False, False])
        assert refused(outcome), (name, outcome)
        messages[name] = outcome.data[0]
    assert "points outside the collection folder" in messages["traversal.zip"]
    assert "points outside the collection folder" in messages["absolute.zip"]
    assert "zip bomb" in messages["bomb.zip"]
    assert "nothing to index" in messages["binary.zip"]
    after = set(unpacked.iterdir()) if unpacked.is_dir() else set()
    assert {p.name for p in after - existing if not p.name.startswith(".")} == set()
    assert not any(p.name.startswith(".unpacking-") for p in after)  # no half-unpacked staging left
    assert not (work / "data" / "escape.md").exists() and not Path("/tmp/escape-absolute.md").exists()
    assert caller.call(stats, []).data[0] == before


@pytest.fixture(scope="module")
def cli_index(tiny_dsvl, tmp_path_factory) -> tuple[Path, Path]:
    """(collection folder, index) for the CLI."""
    from indexer import build_index

    folder = tmp_path_factory.mktemp("cli-notes")
    make_collection(folder, 3, seed=5)
    uri = tmp_path_factory.mktemp("cli-index") / "idx"
    build_index(str(folder), str(uri), tiny_dsvl, ns=(3,), progress=False)
    return folder, uri


def test_cli_image_paths_are_only_ever_decoded_as_images(cli_index, tmp_path, monkeypatch, capsys):
    """The CLI runs as its user and may read what they can, but a path given to --image is only
    ever opened as a regular file and decoded as a picture: nothing else is read or echoed."""
    from indexer.__main__ import main

    folder, index = cli_index
    os.mkfifo(tmp_path / "fifo.png")
    monkeypatch.chdir(tmp_path)
    depth = "../" * len(tmp_path.parts)

    def search(image: str) -> tuple[int, str]:
        code = main(["search", "--index", str(index), "--dtype", "float32", "--text", "x", "--image", image])
        out, err = capsys.readouterr()
        assert PASSWD_MARK not in out + err and "Traceback" not in err
        return code, err

    for path in (f"{depth}etc/passwd", "/proc/self/environ"):  # ../ and absolute
        code, err = search(path)
        assert code == 1 and err.startswith("error: unreadable image: ") and err.count("\n") == 1, err
        assert err.endswith(" (cannot identify image file)\n") and "BytesIO" not in err, err
    for path in ("/etc", f"{depth}etc", str(tmp_path / "fifo.png"), "/dev/zero", "nope.png"):
        code, err = search(path)
        assert (code, err) == (1, f"error: image not found: {path}\n")
    picture = next((folder / "img").glob("*.png"))
    assert search(os.path.relpath(picture, tmp_path))[0] == 0  # a real picture, by a ../ path: fine
