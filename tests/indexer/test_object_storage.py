"""An index on S3: add, search, stats, compaction and the app's start-up, against a local
S3-compatible server (moto) that the test starts on 127.0.0.1 and stops; and the errors a person
sees when the bucket, the endpoint or the credentials are wrong."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import numpy as np
import pytest
from index_helpers import NOTES
from moto.server import ThreadedMotoServer

from indexer import Index, Searcher, build_index
from indexer.__main__ import main
from indexer.meta import table_names
from indexer.uri import STORAGE_OPTIONS_ENV, StorageUnreachableError, connect
from mme_core import InterleavedDoc, TextSegment

BUCKET = "mme-test"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, monkeypatch):
    """The usual AWS variables pointing at the local server, and an empty bucket."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": s3_endpoint,
        "AWS_ALLOW_HTTP": "true",
        "AWS_EC2_METADATA_DISABLED": "true",  # never ask an instance-metadata service for credentials
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(STORAGE_OPTIONS_ENV, raising=False)
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket=BUCKET)
    yield s3_endpoint
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def run(capsys, *args) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_add_search_stats_and_compact_on_s3(s3, notes, tiny_dsvl, tiny_dsvl_dir, tmp_path, capsys):
    uri = f"s3://{BUCKET}/indexes/notes"
    common = ("--index", uri, "--dtype", "float32", "--device", "cpu")
    code, out, err = run(capsys, "add", notes, "--model", tiny_dsvl_dir, "--quiet", *common)
    assert code == 0, err
    assert f"{len(NOTES)} added" in out and uri in out
    code, out, _ = run(capsys, "add", notes, "--quiet", *common)
    assert code == 0 and f"0 added, 0 updated, {len(NOTES)} unchanged" in out

    code, out, err = run(capsys, "search", "--text", "knead the dough", "--json", "-k", "3", *common)
    assert code == 0, err
    hits = json.loads(out)
    assert len(hits) == 3 and all(Path(hit["id"]).stem in NOTES for hit in hits)

    code, out, _ = run(capsys, "stats", "--json", "--index", uri)
    stats = json.loads(out)
    assert code == 0 and stats["uri"] == uri and stats["documents"] == len(NOTES)

    local = tmp_path / "local"  # the same collection indexed locally: the same rows and vectors
    build_index(notes, local, tiny_dsvl, progress=False)
    on_s3, on_disk = Index.open(uri), Index.open(local)
    assert on_s3.content_hashes() == on_disk.content_hashes()
    for key, vector in on_disk.vectors(3).items():
        np.testing.assert_allclose(on_s3.vectors(3)[key], vector, atol=1e-6)

    code, out, err = run(capsys, "compact", "--index", uri, "--keep-for", "0")
    assert code == 0, err
    tables = table_names(Index.open(uri).db)  # documents, index_meta, skipped
    assert f"table versions -> {len(tables)}\n" in out  # the latest of each
    assert Index.open(uri).count() == len(NOTES)


def test_the_app_searcher_opens_an_index_on_s3(s3, notes, tiny_dsvl, tmp_path):
    from webapp.startup import AppConfig, load_app

    uri = f"s3://{BUCKET}/app-index"
    config = AppConfig(model=str(tiny_dsvl.model_id), index=uri, collection=str(notes), data_dir=tmp_path)
    loaded = load_app(config, log=lambda _: None)  # first start: builds the index on S3
    assert Index.exists(uri) and loaded.options.index_uri == uri
    hits = loaded.searcher.search(InterleavedDoc((TextSegment("paint the fence"),)), n=3, k=2)
    assert len(hits) == 2
    again = Searcher.open(uri, loaded.encoder, warm=False)
    assert again.stats()["documents"] == len(NOTES)


def test_storage_options_from_the_environment(s3, monkeypatch):
    """Endpoint and plain http given as LanceDB storage options instead of AWS_* variables."""
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.delenv("AWS_ALLOW_HTTP")
    monkeypatch.setenv(STORAGE_OPTIONS_ENV, json.dumps({"endpoint": s3, "allow_http": "true"}))
    assert connect(f"s3://{BUCKET}/opts").list_tables().tables == []
    monkeypatch.setenv(STORAGE_OPTIONS_ENV, "endpoint=nowhere")
    with pytest.raises(ValueError, match=f"\\${STORAGE_OPTIONS_ENV} is not valid JSON"):
        connect(f"s3://{BUCKET}/opts")


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        ("missing bucket", "cannot open index s3://no-such-bucket/idx: bucket 'no-such-bucket' does not"),
        ("endpoint down", "cannot open index s3://mme-test/idx: endpoint http://127.0.0.1:9 is unreachable"),
        ("no credentials", "cannot open index s3://mme-test/idx: no usable credentials"),
        ("plain http refused", "cannot open index s3://mme-test/idx: endpoint http://127.0.0.1"),
    ],
)
def test_unusable_object_store_fails_with_one_clear_line(s3, monkeypatch, capsys, problem, message):
    uri = f"s3://{BUCKET}/idx"
    if problem == "missing bucket":
        uri = "s3://no-such-bucket/idx"
    elif problem == "endpoint down":
        monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on port 9
    elif problem == "no credentials":
        monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    else:
        monkeypatch.delenv("AWS_ALLOW_HTTP")
    with pytest.raises(StorageUnreachableError) as error:
        Index.exists(uri)
    assert str(error.value).startswith(message)
    if problem == "plain http refused":
        assert "is plain http; allow it with AWS_ALLOW_HTTP=true" in str(error.value)
    assert "\n" not in str(error.value) and "RetryError" not in str(error.value)
    code, _, err = run(capsys, "stats", "--index", uri)
    assert code == 1 and err.startswith(f"error: {message}")
