"""A deterministic sequence of index writes (upserts of new and changed rows, deletes, metadata
updates), replayable: `lance_writer.py` performs it in a process that gets SIGKILLed, the test
replays it to know every state the index may legally be in afterwards.

Each step is one LanceDB commit through `indexer.store.Index`, with vectors of the real
DeepSeek-VL-1.3B width (2048) so that an upsert takes long enough to be killed in the middle.
"""

from __future__ import annotations

import hashlib

import numpy as np

DIM = 2048
NS = (1, 3, 6)
NEW_ROWS = 800  # per round, ~20 MB of vectors: a few hundred ms per upsert on 2 cores
CHANGED_ROWS = 200  # rows of the previous round re-embedded in each round
DELETED_ROWS = 50  # rows of the previous round deleted in each round
STEPS_PER_ROUND = 3  # upsert, delete, metadata update


def index_meta():
    from indexer.meta import IndexMeta

    return IndexMeta(model_id="lance-rounds", fingerprint="rounds", dim=DIM, ns=NS)


def _vectors(round_: int, count: int) -> dict:
    rng = np.random.default_rng([7, round_])
    return {n: rng.random((count, DIM), dtype=np.float32) for n in NS}  # each (count, DIM)


def upsert_batch(round_: int) -> tuple[list[str], list[str], dict]:
    """(ids, content hashes, {n: (rows, DIM)}) written by round `round_`: new rows + changed ones."""
    ids = [f"r{round_}-{i}" for i in range(NEW_ROWS)]
    if round_ > 0:
        ids += [f"r{round_ - 1}-{i}" for i in range(CHANGED_ROWS)]
    hashes = [f"{doc_id}@{round_}" for doc_id in ids]
    return ids, hashes, _vectors(round_, len(ids))


def deleted_ids(round_: int) -> list[str]:
    if round_ == 0:
        return []
    return [f"r{round_ - 1}-{i}" for i in range(CHANGED_ROWS, CHANGED_ROWS + DELETED_ROWS)]


def run_step(index, round_: int, step: int) -> None:
    """Perform step `step` (0 upsert, 1 delete, 2 metadata) of round `round_` on an open Index."""
    from indexer.schema import docs_to_rows, row_key
    from mme_core.documents import InterleavedDoc, TextSegment

    if step == 0:
        ids, hashes, vectors = upsert_batch(round_)
        docs = [InterleavedDoc((TextSegment(f"text of {i}"),), id=i, title=i, source=f"{i}.md") for i in ids]
        index.upsert(docs_to_rows(docs, hashes, vectors, "rounds", index.table.schema))
    elif step == 1:
        index.delete_keys([row_key(doc_id, 0) for doc_id in deleted_ids(round_)])
    else:
        index.update_meta(collections={"rounds": {"root": f"/rounds/{round_}"}})


def digest(vector: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(vector, dtype=np.float32).tobytes()).hexdigest()


def expected_states(last_step: int) -> list[dict]:
    """State after every step up to `last_step`: {row key: (content hash, {n: vector digest})},
    indexed by global step number (round * STEPS_PER_ROUND + step)."""
    from indexer.schema import row_key

    state: dict = {}
    states = []
    for round_ in range(last_step // STEPS_PER_ROUND + 1):
        ids, hashes, vectors = upsert_batch(round_)
        for position, (doc_id, content) in enumerate(zip(ids, hashes, strict=True)):
            state[row_key(doc_id, 0)] = (content, {n: digest(vectors[n][position]) for n in NS})
        states.append(dict(state))
        for doc_id in deleted_ids(round_):
            state.pop(row_key(doc_id, 0), None)
        states.append(dict(state))
        states.append(dict(state))  # metadata only
    return states[: last_step + 1]


def observed_state(index) -> dict:
    hashes = index.content_hashes()
    vectors = {n: index.vectors(n) for n in NS}
    return {key: (content, {n: digest(vectors[n][key]) for n in NS}) for key, content in hashes.items()}
