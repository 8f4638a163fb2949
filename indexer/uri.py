"""Where an index lives: a local directory or an object-store URI (s3://bucket/path, gs://, az://).

`connect` opens the LanceDB database at either. Object stores take their credentials, region and
endpoint from the usual variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
AWS_ENDPOINT_URL, AWS_ALLOW_HTTP=true for a plain-http endpoint such as MinIO; GOOGLE_*, AZURE_*),
read by LanceDB's object store itself, and/or from `storage_options` (LanceDB's keys, e.g.
{"endpoint": "http://127.0.0.1:9000", "allow_http": "true"}), by default the JSON object in
$MME_STORAGE_OPTIONS.

Connections re-check the table version at most every `READ_CONSISTENCY` so that a long-lived
reader (the app's Searcher) follows new commits instead of staying pinned to the version it opened:
a pinned reader fails once compaction removes that version's files (see indexer.maintenance).

LanceDB reports an unreachable store as a Rust debug dump; `StorageUnreachableError` says in one
line which index, and whether the endpoint, the bucket or the credentials are the problem.
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta

import lancedb

READ_CONSISTENCY = timedelta(seconds=5)
STORAGE_OPTIONS_ENV = "MME_STORAGE_OPTIONS"


class StorageUnreachableError(OSError):
    """The index's object store cannot be used: endpoint down, bucket missing, credentials refused."""


def is_local(uri: str) -> bool:
    return "://" not in uri or uri.startswith("file://")


def storage_options(uri: str, given: dict | None = None) -> dict:
    """`given`, else $MME_STORAGE_OPTIONS (a JSON object of strings), else {} (local paths: always {})."""
    if is_local(uri):
        return {}
    if given is not None:
        return dict(given)
    text = os.environ.get(STORAGE_OPTIONS_ENV, "").strip()
    if not text:
        return {}
    try:
        options = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"${STORAGE_OPTIONS_ENV} is not valid JSON ({err.msg}): {text[:80]}") from err
    if not isinstance(options, dict):
        raise ValueError(f'${STORAGE_OPTIONS_ENV} must be a JSON object, e.g. {{"region": "eu-west-1"}}')
    return {str(key): str(value) for key, value in options.items()}


def connect(uri: str, options: dict | None = None):
    """The LanceDB connection for `uri`; an object store is contacted at once, so that a wrong
    endpoint, bucket or credentials fail here with a `StorageUnreachableError` naming the index."""
    uri = str(uri)
    options = storage_options(uri, options)
    try:
        db = lancedb.connect(uri, read_consistency_interval=READ_CONSISTENCY, storage_options=options)
        if not is_local(uri):
            db.list_tables()
        return db
    except (ValueError, OSError, RuntimeError) as err:
        if is_local(uri):
            raise
        raise StorageUnreachableError(explain_storage_error(uri, str(err))) from None


def explain_storage_error(uri: str, detail: str) -> str:
    """One line from LanceDB's object-store error: what failed, and what to check."""
    bucket = uri.split("://", 1)[1].split("/", 1)[0]
    if "credentials" in detail.lower():
        return (
            f"cannot open index {uri}: no usable credentials for the object store; set "
            f"AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the store's own variables), or pass "
            f"them in ${STORAGE_OPTIONS_ENV}"
        )
    status = re.search(r"status: (\d{3})", detail)
    if status and status.group(1) == "404" or "NoSuchBucket" in detail:
        return f"cannot open index {uri}: bucket {bucket!r} does not exist (create it first)"
    if status and status.group(1) in {"401", "403"}:
        return (
            f"cannot open index {uri}: access to bucket {bucket!r} denied (HTTP {status.group(1)}); "
            f"check the credentials and the bucket's permissions"
        )
    endpoint = re.search(r"uri: Some\((https?://[^/?)\s]+)", detail)
    where = f"endpoint {endpoint.group(1)}" if endpoint else "the object store"
    if "BadScheme" in detail:
        return (
            f"cannot open index {uri}: {where} is plain http; allow it with AWS_ALLOW_HTTP=true "
            f'(or "allow_http": "true" in ${STORAGE_OPTIONS_ENV})'
        )
    if "Connect" in detail or "dns error" in detail or "timed out" in detail.lower():
        hint = (
            "; a plain-http endpoint also needs AWS_ALLOW_HTTP=true"
            if endpoint and endpoint.group(1).startswith("http:")
            else ""
        )
        return f"cannot open index {uri}: {where} is unreachable (is AWS_ENDPOINT_URL right?){hint}"
    status_text = f"HTTP {status.group(1)}" if status else detail.split("{")[0].strip(" ,:")[:120]
    return f"cannot open index {uri}: the object store refused the request ({status_text or 'no detail'})"
