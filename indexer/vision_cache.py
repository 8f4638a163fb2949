"""The vision cache kept with the index: one Lance table row per distinct picture.

A note whose text changed, or a new note reusing known pictures, then costs only the language
model: `encode_all` finds each picture's pooled visual tokens here (see `mme_core.vision_cache` for
the key and the value's meaning) and runs the vision tower only on pictures it has never seen.

Row: image (sha256 of the file), encoder (fingerprint), preprocessing (id), ns ("1,2,3,4,6"),
payload (the {N: float32 (h, w, H)} arrays as one `.npz`). Rows are looked up in bulk (`prefetch`,
before each write batch) and written in bulk (`flush`, before that batch's documents are
committed), so a run killed in between leaves at worst entries nothing references yet; `prune`
drops every entry no document in the index references, after each build and removal.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pyarrow as pa

from indexer.meta import table_names
from indexer.schema import sql_string
from mme_core.vision_cache import PooledTokens, VisionKey

VISION_CACHE_TABLE = "vision_cache"
_SCHEMA = pa.schema(
    [
        pa.field("image", pa.string()),
        pa.field("encoder", pa.string()),
        pa.field("preprocessing", pa.string()),
        pa.field("ns", pa.string()),
        pa.field("payload", pa.binary()),
    ]
)
_IN_CHUNK = 500  # hashes per `IN (...)` clause


class LanceVisionCache:
    """`mme_core.vision_cache.VisionCache` on a table in the index's LanceDB database."""

    def __init__(self, db) -> None:
        self.db = db
        if VISION_CACHE_TABLE not in table_names(db):
            db.create_table(VISION_CACHE_TABLE, schema=_SCHEMA, exist_ok=True)
        self.table = db.open_table(VISION_CACHE_TABLE)
        self._loaded: dict[VisionKey, PooledTokens] = {}
        self._pending: dict[VisionKey, PooledTokens] = {}
        self._absent: set[VisionKey] = set()  # looked up and not stored: not asked again

    # --- the VisionCache protocol ----------------------------------------------------------------
    def get(self, key: VisionKey) -> PooledTokens | None:
        if key in self._pending:
            return self._pending[key]
        if key not in self._loaded and key not in self._absent:
            self._load([key.image], key.encoder, key.preprocessing)
        return self._loaded.get(key)

    def put(self, key: VisionKey, tokens: PooledTokens) -> None:
        self._pending[key] = tokens

    # --- bulk ------------------------------------------------------------------------------------
    def prefetch(self, images: dict[str, set[str]], encoder: str) -> None:
        """Hold just the entries of these image hashes (`images`: preprocessing -> hashes, for one
        encoder; an SVG's preprocessing names its renderer), loaded in a few scans: entries of a
        real model are ~0.5 MB each, so earlier ones are let go."""
        keep = {k: v for k, v in self._loaded.items() if k.image in images.get(k.preprocessing, ())}
        self._loaded, self._absent = keep, set()
        for preprocessing, hashes in images.items():
            self._load(hashes, encoder, preprocessing)

    def _load(self, images, encoder: str, preprocessing: str) -> None:
        wanted = sorted({h for h in images if VisionKey(h, encoder, preprocessing) not in self._loaded})
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[start : start + _IN_CHUNK]
            where = (
                f"encoder = {sql_string(encoder)} AND preprocessing = {sql_string(preprocessing)} AND "
                f"image IN ({', '.join(sql_string(h) for h in chunk)})"
            )
            rows = self.table.search().where(where).select(["image", "payload"]).limit(None).to_arrow()
            for image, payload in zip(rows["image"].to_pylist(), rows["payload"].to_pylist(), strict=True):
                self._loaded[VisionKey(image, encoder, preprocessing)] = _unpack(payload)
        self._absent |= {VisionKey(h, encoder, preprocessing) for h in wanted} - set(self._loaded)

    def flush(self) -> int:
        """Write what the vision tower computed since the last flush, in one commit; returns rows."""
        if not self._pending:
            return 0
        rows = [
            {
                "image": key.image,
                "encoder": key.encoder,
                "preprocessing": key.preprocessing,
                "ns": ",".join(map(str, tokens)),
                "payload": _pack(tokens),
            }
            for key, tokens in self._pending.items()
        ]
        data = pa.Table.from_pylist(rows, schema=_SCHEMA)
        (
            self.table.merge_insert(["image", "encoder", "preprocessing"])
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .execute(data)
        )
        self._loaded |= self._pending
        self._pending = {}
        return len(rows)

    def prune(self, referenced: set[str]) -> int:
        """Delete entries of pictures no document references any more; returns how many."""
        stored = set(self.table.search().select(["image"]).limit(None).to_arrow()["image"].to_pylist())
        gone = sorted(stored - referenced)
        for start in range(0, len(gone), _IN_CHUNK):
            chunk = gone[start : start + _IN_CHUNK]
            self.table.delete(f"image IN ({', '.join(sql_string(h) for h in chunk)})")
        self._loaded = {k: v for k, v in self._loaded.items() if k.image in referenced}
        return len(gone)

    def count(self) -> int:
        return self.table.count_rows()


def referenced_images(segments_column) -> set[str]:
    """Image hashes the documents table's `segments` JSON column refers to."""
    hashes: set[str] = set()
    for value in segments_column:
        for item in json.loads(value or "[]"):
            if "sha256" in item:
                hashes.add(item["sha256"])
    return hashes


def _pack(tokens: PooledTokens) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **{str(n): np.ascontiguousarray(array, dtype=np.float32) for n, array in tokens.items()})
    return buffer.getvalue()


def _unpack(payload: bytes) -> PooledTokens:
    with np.load(io.BytesIO(payload)) as arrays:
        return {(int(name) if name.isdigit() else name): arrays[name] for name in arrays.files}
