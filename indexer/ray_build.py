"""The Ray Data engine: embed a collection on a Ray cluster, write it like the local engine.

    report = build_index_ray("~/notes", "s3://bucket/index", encoder, spec, RayConfig(workers=8))

The driver does everything but the embedding, exactly as `indexer.build` does: it reads and splits
the collection, compares content hashes with the index, deletes vanished rows. The documents to
embed go to a `ray.data` dataset whose `map_batches` runs `EmbedActor`, a callable class: Ray starts
`workers` actors, each loading the encoder once, with `gpus_per_worker` GPUs each. Documents travel
with their image bytes, so workers need not see the driver's files (only the model: a hub id or a
path present on every node).

A multi-vector model's actors return each N's single vectors and meta-token matrices from one
forward per row (`indexer.multivector.encode_kinds`, as the local engine does).

Rows come back to the driver as they are embedded and are written there by `merge_insert` in
`write_batch` commits, the local engine's write path, so the index has the same schema, metadata,
incremental skip and resume-after-kill behaviour. lance-ray's `write_lance` was measured against it
(docs/BENCHMARKS.md, bench/ray_engine.py; 2,000 documents: 1.5 s against 1.2 s in 64-row commits) and
not chosen: it only appends (an update would need a delete and an append, two commits, so a kill
between them loses rows), it commits once at the end (a killed run keeps nothing), and the driver's
writes are a small part of the run.
"""

from __future__ import annotations

import hashlib
import pickle
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from indexer.build import build_index, encode_batch
from indexer.multivector import MultiKey
from mme_core.documents import ImageSegment, InterleavedDoc

RAY_MISSING = "the Ray engine needs Ray Data: pip install -r requirements-ray.txt"


@dataclass(frozen=True)
class EncoderSpec:
    """How every worker loads the encoder (the driver's own is checked against theirs)."""

    model: str
    adapter: str | None = None
    device: str = "auto"
    dtype: str = "auto"


@dataclass(frozen=True)
class RayConfig:
    """address: a running cluster ("auto", "ray://host:10001"), or None to start Ray on this machine
        with `workers` CPUs. workers: embedding actors. gpus_per_worker: GPUs per actor (0: CPU).
    batch_size: documents per `map_batches` call; Ray requires one when GPUs are used.
    """

    address: str | None = None
    workers: int = 2
    gpus_per_worker: float = 0.0
    batch_size: int = 16

    @classmethod
    def from_options(cls, address, workers, gpus_per_worker, batch_size) -> RayConfig:
        """From command-line values, None meaning the default."""
        given = {"workers": workers, "gpus_per_worker": gpus_per_worker, "batch_size": batch_size}
        return cls(address=address, **{key: value for key, value in given.items() if value is not None})

    def __post_init__(self) -> None:
        if not isinstance(self.workers, int) or self.workers < 1:
            raise ValueError(f"workers must be a positive integer, got {self.workers!r}")
        if self.gpus_per_worker < 0:
            raise ValueError(f"--gpus-per-worker must not be negative, got {self.gpus_per_worker:g}")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {self.batch_size!r}")


def pack(doc: InterleavedDoc) -> bytes:
    """A document with its image bytes, so a worker on another machine can embed it."""
    images = {segment.path: segment.read_bytes() for segment in doc.images}
    return pickle.dumps((doc, images))


class EmbedActor:
    """Ray actor body: loads the encoder once, then embeds batches of packed documents."""

    def __init__(self, spec: EncoderSpec, ns: tuple, fingerprint: str, batch_size: int | None) -> None:
        from mme_core import MMEEncoder

        self.encoder = MMEEncoder.from_pretrained(
            spec.model, adapter=spec.adapter, device=spec.device, dtype=spec.dtype
        )
        if self.encoder.fingerprint != fingerprint:
            raise RuntimeError(
                f"worker loaded {spec.model} with fingerprint {self.encoder.fingerprint}, the driver's "
                f"encoder has {fingerprint}: every node must see the same model"
            )
        self.ns, self.batch_size = ns, batch_size

    @staticmethod
    def _unpack(packed: bytes, folder: Path) -> tuple[InterleavedDoc, dict[str, str]]:
        """The document with its images written to `folder`; local path -> original."""
        doc, images = pickle.loads(packed)
        local_of: dict[str, str] = {}
        for original, data in images.items():
            local = folder / (hashlib.sha256(data).hexdigest() + Path(original).suffix)
            if not local.exists():
                local.write_bytes(data)
            local_of[original] = str(local)
        segments = tuple(
            ImageSegment(local_of[s.path]) if isinstance(s, ImageSegment) else s for s in doc.segments
        )
        return replace(doc, segments=segments), {local: original for original, local in local_of.items()}

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        # The pictures live on disk only while their batch is embedded: an actor is killed without
        # running finalizers, and a folder per actor kept a copy of every picture after each build.
        with tempfile.TemporaryDirectory(prefix="mme-ray-images-") as folder:
            unpacked = [self._unpack(packed, Path(folder)) for packed in batch["doc"]]
            docs = [doc for doc, _ in unpacked]
            failed: list[tuple[str, str]] = []
            good, vectors = encode_batch(docs, self.encoder, self.ns, self.batch_size, failed)
        errors = [""] * len(docs)
        reasons = iter(reason for _, reason in failed)
        for position in sorted(set(range(len(docs))) - set(good)):
            reason = next(reasons, "not embedded")
            for local, original in unpacked[position][1].items():  # name the file as the person did
                reason = reason.replace(local, original)
            errors[position] = reason
        out = {"position": batch["position"], "error": np.array(errors, dtype=object)}
        for key in self.ns:
            multi = isinstance(key, MultiKey)
            shape = (self.encoder.meta_tokens[1], self.encoder.dim) if multi else (self.encoder.dim,)
            column = np.zeros((len(docs), *shape), dtype=np.float32)  # (B, dim) or (B, M, dim)
            if good:
                column[good] = vectors[key]
            out[batch_column(key)] = column
        return out


def batch_column(key) -> str:
    """The Ray batch column of a build key: `vec_3` for N=3's vectors, `mv_3` for its matrices."""
    return f"mv_{key.n}" if isinstance(key, MultiKey) else f"vec_{key}"


def ray_embed_chunks(spec: EncoderSpec, config: RayConfig):
    """An `embed_chunks` for `indexer.build.build_into` that embeds on Ray (see the module doc)."""

    def embed(todo, known, encoder, ns, batch_size, write_batch, failed, vision_cache=None, advance=None):
        """The workers keep no vision cache of the index (each actor caches within its batches)."""
        advance = advance or (lambda count: None)
        reuse = [item for item in todo if item[1] in known]  # identical content: vectors already stored
        for start in range(0, len(reuse), write_batch):
            advance(len(reuse[start : start + write_batch]))
            yield reuse[start : start + write_batch], [], {}  # none embedded: all reuse stored vectors
        fresh = [item for item in todo if item[1] not in known]
        if not fresh:
            return
        ray = start_ray(config)
        rows = [{"position": i, "doc": pack(doc)} for i, (doc, _) in enumerate(fresh)]
        dataset = ray.data.from_items(rows).map_batches(
            EmbedActor,
            fn_constructor_kwargs={
                "spec": spec,
                "ns": tuple(ns),
                "fingerprint": encoder.fingerprint,
                "batch_size": batch_size,
            },
            batch_size=config.batch_size,
            compute=ray.data.ActorPoolStrategy(size=config.workers),
            num_gpus=config.gpus_per_worker or None,
            num_cpus=None if config.gpus_per_worker else 1,
        )
        batches = iter(dataset.iter_batches(batch_size=write_batch, batch_format="numpy"))
        while (batch := next_batch(ray, batches)) is not None:
            chunk = [fresh[int(p)] for p in batch["position"]]
            good = [i for i, error in enumerate(batch["error"]) if not error]
            failed.extend((chunk[i][0].id, str(error)) for i, error in enumerate(batch["error"]) if error)
            vectors = {key: np.asarray(batch[batch_column(key)], dtype=np.float32)[good] for key in ns}
            advance(len(chunk))
            yield chunk, good, vectors

    return embed


def next_batch(ray, batches) -> dict | None:
    """The next embedded batch, None at the end; a worker's failure as one RuntimeError line."""
    try:
        return next(batches)
    except StopIteration:
        return None
    except ray.exceptions.RayError as err:
        cause = getattr(err, "cause", None) or err
        lines = [line for line in str(cause).splitlines() if line.strip()]
        raise RuntimeError(f"the Ray workers failed: {lines[-1] if lines else type(cause).__name__}") from err


def start_ray(config: RayConfig):
    """Ray, connected to `config.address` or started here; a clear error when it cannot be."""
    try:
        import ray
        import ray.data  # noqa: F401 - the Data library is a separate extra of ray
    except ImportError as err:
        raise RuntimeError(RAY_MISSING) from err
    if not ray.is_initialized():
        import indexer
        import mme_core

        runtime_env = {"py_modules": [indexer, mme_core]} if config.address else None
        try:
            if config.address:
                ray.init(address=config.address, runtime_env=runtime_env, log_to_driver=False)
            else:
                ray.init(num_cpus=config.workers, include_dashboard=False, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as err:
            raise RuntimeError(f"cannot connect to the Ray cluster at {config.address}: {err}") from err
    ray.data.DataContext.get_current().enable_progress_bars = False
    return ray


def build_index_ray(
    docs_or_path, index_uri, encoder, ns=None, progress=True, *, config: RayConfig, spec=None, **options
):
    """`indexer.build.build_index` with the embedding done by Ray actors; same options and report.
    `spec` defaults to the driver encoder's model and adapter, on device "auto" in float32."""
    start_ray(config)  # fail on a missing Ray or a wrong address before reading anything
    spec = spec or EncoderSpec(encoder.model_id, getattr(encoder, "adapter", None), dtype="float32")
    embed = ray_embed_chunks(spec, config)
    return build_index(docs_or_path, index_uri, encoder, ns, progress, embed_chunks=embed, **options)


def ray_builder(config: RayConfig, device: str, dtype: str):
    """The build function for `python -m indexer add --engine ray`; starts Ray or fails clearly."""
    start_ray(config)

    def build(path, index, encoder, ns, progress, **options):
        spec = EncoderSpec(encoder.model_id, getattr(encoder, "adapter", None), device, dtype)
        return build_index_ray(path, index, encoder, ns, progress, config=config, spec=spec, **options)

    return build
