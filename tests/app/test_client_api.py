"""The real entry point, `python app.py`, started offline in a subprocess on 127.0.0.1 and called
with gradio_client: the named /search endpoint returns what the library returns."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment

from .helpers import free_port

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 180


@pytest.fixture(scope="module")
def app_process(tiny_dsvl_dir, app_collection, tmp_path_factory):
    work = tmp_path_factory.mktemp("app-process")
    port = free_port()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "MME_MODEL": str(tiny_dsvl_dir),  # the model comes from the environment, the rest from flags
    }
    command = [
        sys.executable, "app.py",
        "--collection", str(app_collection),
        "--index", str(work / "index"),
        "--data-dir", str(work / "data"),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--device", "cpu",
    ]  # fmt: skip
    log = open(work / "app.log", "w")
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"app.py exited with {process.returncode}:\n{(work / 'app.log').read_text()}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"app.py silent for {START_TIMEOUT_S} s:\n{(work / 'app.log').read_text()}")
            time.sleep(0.5)
        yield url, str(work / "index"), work / "app.log"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_client_search_returns_the_librarys_top_hit(app_process, tiny_dsvl_dir, app_collection):
    from gradio_client import Client, handle_file

    from indexer import Searcher
    from mme_core import MMEEncoder

    url, index_uri, log = app_process
    image = app_collection / "images" / "blue_square.png"
    client = Client(url, verbose=False)
    records = client.predict(
        ["Paint a blue square", handle_file(str(image)), "then fold it"], 3, 5, api_name="/search"
    )

    encoder = MMEEncoder.from_pretrained(str(tiny_dsvl_dir), device="cpu")  # same settings as the app
    library = Searcher.open(index_uri, encoder).search(
        InterleavedDoc(
            (TextSegment("Paint a blue square"), ImageSegment(str(image)), TextSegment("then fold it"))
        ),
        n=3,
        k=5,
    )
    assert [r["id"] for r in records] == [hit.id for hit in library]
    assert records[0]["id"] == library[0].id
    assert records[0]["score"] == pytest.approx(library[0].score, abs=1e-4)
    assert [r["rank"] for r in records] == [1, 2, 3, 4, 5]
    assert "MME app: indexing" in log.read_text()  # the first start built the index from --collection


def test_a_plain_string_is_a_one_text_query(app_process):
    from gradio_client import Client

    client = Client(app_process[0], verbose=False)
    records = client.predict("Paint a blue square", 3, 5, api_name="/search")
    assert len(records) == 5
    assert records == client.predict(["Paint a blue square"], 3, 5, api_name="/search")


def test_view_api_shows_the_typed_return_shape(app_process):
    from gradio_client import Client

    info = Client(app_process[0], verbose=False).view_api(return_format="dict", print_info=False)
    endpoint = info["named_endpoints"]["/search"]
    returned = endpoint["returns"][0]["python_type"]["type"]
    assert returned.startswith("list[dict(rank: int, id: str, score: float, mode: str, title: str")
    assert "segments: list[dict(text: str, image: str)]" in returned
    assert [p["parameter_name"] for p in endpoint["parameters"]] == [
        "query",
        "n",
        "k",
        "mode",
        "collections",
        "folders",
        "tags",
        "vectors",
        "budget",
        "cascade",
        "language",
        "all_translations",
        "taken",
    ]
    assert endpoint["parameters"][0]["python_type"]["type"] == "str | list[str | dict(str, Any)]"


def test_client_errors_name_the_problem_and_log_no_traceback(app_process):
    from gradio_client import Client

    url, _, log = app_process
    logged_before = log.read_text()
    client = Client(url, verbose=False)
    for query, n, message in [
        ([], 3, "the query is empty"),
        (["fold"], 8, "not stored"),
        (["fold"], 2.0, "unsupported granularity N=2.0; valid values are"),
        ([{"path": "/etc/passwd"}], 3, "refused image path"),  # no FileData meta: the client sends it as is
        ([{"path": "../../etc/hostname"}], 3, "refused image path"),
    ]:
        with pytest.raises(Exception, match=message):
            client.predict(query, n, 5, api_name="/search")
    assert "Traceback" not in log.read_text()[len(logged_before) :]  # a person's mistake is no fault


def test_page_and_banner_name_the_model(app_process, tiny_dsvl_dir):
    html = httpx.get(app_process[0], timeout=10).text
    assert str(tiny_dsvl_dir) in html  # the banner text is part of the page config


@pytest.mark.parametrize(
    "path",
    [
        "/etc/passwd",
        "../../../../etc/passwd",
        "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/tmp/gradio/../../etc/passwd",
        "app.py",  # the app's own source
        "COLLECTION_IMAGE",  # collection images reach the page inline, never by path
        "INDEX_DIR",
    ],
)
def test_file_route_serves_no_arbitrary_paths(app_process, app_collection, path):
    url, index_uri, _ = app_process
    path = path.replace("COLLECTION_IMAGE", str(app_collection / "images" / "red_circle.png"))
    path = path.replace("INDEX_DIR", index_uri)
    response = httpx.get(f"{url}gradio_api/file={path}", timeout=10)
    assert response.status_code in (400, 403, 404), (path, response.status_code)
    assert b"root:" not in response.content


def test_uploads_over_the_size_limit_are_refused(app_process, tmp_path):
    from webapp.collection import DEFAULT_ZIP_LIMITS

    big = tmp_path / "huge.zip"
    with big.open("wb") as handle:  # sparse: one byte over the largest upload (a collection zip)
        handle.truncate(DEFAULT_ZIP_LIMITS.max_zip_bytes + 1)
    with big.open("rb") as handle:
        response = httpx.post(f"{app_process[0]}gradio_api/upload", files={"files": handle}, timeout=60)
    assert response.status_code == 413, response.text[:200]


def test_client_search_takes_mode_and_collections(app_process, tiny_dsvl_dir, app_collection):
    from gradio_client import Client

    from indexer import Searcher

    url, index_uri, _ = app_process
    name = app_collection.name  # app.py names the collection after its folder
    client = Client(url, verbose=False)
    records = client.predict(["glue a red triangle"], 3, 4, "keyword", [name], None, None, api_name="/search")
    library = Searcher.open(index_uri, None, warm=False).search(
        InterleavedDoc((TextSegment("glue a red triangle"),)), n=3, k=4, mode="keyword", collections=(name,)
    )
    assert [r["id"] for r in records] == [hit.id for hit in library]
    assert (records[0]["id"], records[0]["mode"]) == (f"{name}/glue-red-triangle.md", "title")  # its title
    assert {r["mode"] for r in records[1:]} == {"keyword"}
    for args, message in [
        (("fuzzy", None), "unknown search mode 'fuzzy'"),
        (("hybrid", ["not-there"]), "no collection named 'not-there'"),
    ]:
        with pytest.raises(Exception, match=message):
            client.predict(["glue"], 3, 4, *args, api_name="/search")
