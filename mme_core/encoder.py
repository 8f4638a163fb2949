"""MMEEncoder: backbone → N×N visual pooling → last token → normalise.

One vision pass per image serves every granularity N: images are decoded once, their
post-projector token grids computed once per call, and pooled per N right before the language model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property

import numpy as np
import torch
from PIL import Image
from transformers import AutoConfig, AutoImageProcessor, AutoModelForImageTextToText, AutoTokenizer

from .backbones import BACKBONES, DOCUMENT_PROMPT, Backbone
from .batching import EncodeBudget, EncodeStats, budget_for
from .documents import ImageSegment, InterleavedDoc, TextSegment
from .encode_loop import encode_docs
from .images import DECODE_RECIPE, decode_image, upright_size
from .loading import drop_unused_lm_head, pick_device, pick_dtype, resolve_source
from .multivector import MetaTokenHead, MultiVectors, load_meta_head
from .pooling import (
    GRANULARITIES,
    Granularity,
    check_granularity,
    last_token,
    normalise,
    pool_grids,
    pooled_shape,
)
from .vision_cache import VisionCache

# Bump when pooling or prompt construction changes: stored vectors are then stale.
EMBEDDING_VERSION = "mme-1"


class MMEEncoder:
    """Embeds interleaved documents into unit vectors at any Matryoshka granularity N."""

    granularities: tuple[Granularity, ...] = GRANULARITIES

    def __init__(
        self,
        backbone: Backbone,
        model_id: str,
        adapter: str | None = None,
        peft_model=None,
        dim: int | None = None,
        meta_head: MetaTokenHead | None = None,
    ):
        self.backbone = backbone
        self.model_id = model_id
        self.adapter = adapter
        self._peft_model = peft_model
        self._output_dim = check_output_dim(backbone, model_id, dim)
        if meta_head is not None and meta_head.hidden_size != backbone.hidden_size:
            raise ValueError(
                f"meta tokens of width {meta_head.hidden_size} do not fit model {model_id!r} "
                f"(hidden size {backbone.hidden_size})"
            )
        self.meta_head = meta_head  # MetaEmbed-style multi-vector head, or None (single-vector model)
        self.stats = EncodeStats()  # running counts: vision calls, decodes, cache hits, call sizes

    # --- loading --------------------------------------------------------------------------------

    @classmethod
    def from_pretrained(
        cls,
        model: str,
        adapter: str | None = None,
        device: str = "auto",
        dtype: str = "auto",
        prompts: dict[str, str] | None = None,
        trust_remote_code: bool = False,
        dim: int | None = None,
    ) -> MMEEncoder:
        """Load a hub id or local directory (+ optional peft LoRA adapter directory or hub id).

        `prompts` overrides the family's named instructions, e.g. {"query": "Find recipes for..."}.
        `dim` truncates embeddings to their first `dim` coordinates and re-normalises them, for models
        trained with Matryoshka output dims (Qwen3-VL-Embedding: 64 up to the hidden size).
        """
        source, local_only = resolve_source(model, "model")
        hub = {"local_files_only": local_only, "trust_remote_code": trust_remote_code}
        config = AutoConfig.from_pretrained(source, **hub)
        if config.model_type not in BACKBONES:
            raise ValueError(
                f"model {model!r} is a {config.model_type!r} checkpoint; supported families are "
                f"{', '.join(BACKBONES)}"
            )
        torch_device = pick_device(device)
        torch_dtype = pick_dtype(dtype, torch_device)
        hf_model = AutoModelForImageTextToText.from_pretrained(
            source, dtype=torch_dtype, attn_implementation="sdpa", **hub
        )
        drop_unused_lm_head(hf_model)
        hf_model.to(torch_device).eval()
        tokenizer = AutoTokenizer.from_pretrained(source, **hub)
        tokenizer.padding_side = "left"
        image_processor = AutoImageProcessor.from_pretrained(source, **hub)
        if image_processor is None or not callable(image_processor):
            raise ValueError(f"model {model!r} ships no image processor (preprocessor_config.json)")
        backbone = BACKBONES[config.model_type](hf_model, tokenizer, image_processor, prompts=prompts)
        peft_model = None
        if adapter is not None:
            from peft import PeftModel

            adapter_source, adapter_local = resolve_source(adapter, "adapter")
            peft_model = PeftModel.from_pretrained(hf_model, adapter_source, local_files_only=adapter_local)
            peft_model.eval()  # LoRA layers now live inside hf_model, which the backbone calls
        meta_head = load_meta_head(model, source, adapter, backbone.hidden_size, hub)
        if meta_head is not None:
            meta_head.to(torch_device).eval()
        return cls(backbone, model, adapter=adapter, peft_model=peft_model, dim=dim, meta_head=meta_head)

    # --- facts ----------------------------------------------------------------------------------

    @property
    def model(self):
        """The Hugging Face model (peft-wrapped when an adapter is loaded)."""
        return self._peft_model if self._peft_model is not None else self.backbone.model

    @property
    def family(self) -> str:
        return self.backbone.family

    @property
    def dim(self) -> int:
        """Output dim: the hidden size, or the Matryoshka dim asked for at load time."""
        return self._output_dim

    @property
    def device(self) -> torch.device:
        return self.backbone.device

    @property
    def dtype(self) -> torch.dtype:
        return self.backbone.model.dtype

    @property
    def multi_vector(self) -> bool:
        """Whether the model carries meta tokens (then `encode_multi` works)."""
        return self.meta_head is not None

    @property
    def meta_tokens(self) -> tuple[int, int] | None:
        """(query count, document count) of meta tokens; None for a single-vector model."""
        return self.meta_head.meta_tokens if self.meta_head is not None else None

    @property
    def budgets(self) -> tuple[int, ...]:
        """Nested vector budgets the head was trained for, ascending; () for a single-vector model."""
        return self.meta_head.budgets if self.meta_head is not None else ()

    @property
    def prompts(self) -> dict[str, str]:
        """Prompt name -> instruction; pass a name as `prompt_name` to encode."""
        return dict(self.backbone.prompts)

    @cached_property
    def fingerprint(self) -> str:
        """Identifies what stored vectors depend on, so an index can refuse a different encoder.

        Covers: weights (every parameter's name, shape and a strided sample of its values: cheap even
        for 2B models, yet changes whenever training touched them; an adapter is merged in place, so
        it is covered too), the effective image-processor settings (resize limits decide the visual
        tokens), the tokenizer's vocabulary, the output dim and the *document* prompt. Deliberately
        not the query prompt: changing how queries are phrased must not force re-indexing. The config
        file is left out: re-saving a checkpoint rewrites volatile keys without changing the model.
        """
        digest = hashlib.sha256()
        digest.update(f"{EMBEDDING_VERSION}|{self.family}|{self.dim}".encode())
        digest.update(json.dumps([self.backbone.prefix(DOCUMENT_PROMPT), self.backbone.suffix()]).encode())
        digest.update(_image_processor_settings(self.backbone.image_processor).encode())
        vocab = self.backbone.tokenizer.get_vocab()
        digest.update(json.dumps(sorted(vocab.items()), ensure_ascii=False).encode())
        with torch.no_grad():
            for name, parameter in sorted(self.backbone.model.named_parameters()):
                flat = parameter.detach().reshape(-1)
                sample = flat[:: max(1, flat.numel() // 64)][:64].float().cpu().numpy()
                digest.update(f"{name}{tuple(parameter.shape)}".encode() + sample.tobytes())
        if self.meta_head is not None:  # absent for single-vector models: their fingerprint is unchanged
            digest.update(self.meta_head.digest())
        return digest.hexdigest()[:16]

    def describe(self) -> str:
        adapter = f" + adapter {self.adapter}" if self.adapter else ""
        dtype = str(self.dtype).removeprefix("torch.")
        meta = f", {self.meta_tokens[0]}/{self.meta_tokens[1]} meta tokens" if self.meta_head else ""
        return f"{self.model_id}{adapter} ({self.family}, {self.dim}-d{meta}, {self.device.type}/{dtype})"

    def tokens_per_image(self, n: Granularity, image_size: tuple[int, int] = (448, 448)) -> int:
        height, width = pooled_shape(*self.backbone.grid_shape(image_size), check_granularity(n))
        return height * width

    def count_tokens(self, doc: InterleavedDoc, n: Granularity, prompt_name: str = DOCUMENT_PROMPT) -> int:
        """Language-model tokens `doc` costs at granularity `n` (reads image headers only)."""
        n = check_granularity(n)
        return next(tokens for m, tokens, _ in self._counts(doc, [n], prompt_name) if m == n)

    def _counts(self, doc: InterleavedDoc, ns: Iterable[Granularity], prompt_name: str):
        """(n, tokens, pooled image shapes) for each n, reading each image header once. Two N with
        the same pooled shapes give `doc` the same token sequence (e.g. every N for a text-only note)."""
        grids = [
            segment.text
            if isinstance(segment, TextSegment)
            else self.backbone.grid_shape(_image_size(segment, doc.id))
            for segment in doc.segments
        ]
        for n in ns:
            items = [item if isinstance(item, str) else pooled_shape(*item, n) for item in grids]
            shapes = tuple(item for item in items if not isinstance(item, str))
            yield n, self.backbone.count_tokens(items, prompt_name), shapes

    def default_batch_size(self, tokens_per_doc: int) -> int:
        """8 on CPU (larger batches only add padding there); on a GPU, as many documents as half the
        free memory holds, at ~24 live activations of hidden size per token (hidden states, q/k/v,
        MLP intermediate; SDPA keeps attention memory linear)."""
        if self.device.type != "cuda":
            return 8
        free_bytes, _ = torch.cuda.mem_get_info(self.device)
        element = torch.finfo(self.dtype).bits // 8
        per_doc = max(tokens_per_doc, 1) * self.backbone.hidden_size * 24 * element
        return int(min(256, max(1, free_bytes // 2 // per_doc)))

    def default_budget(self) -> EncodeBudget:
        """Pixels and tokens one call may hold on this device (see `mme_core.batching`)."""
        vision = getattr(self.backbone.model.config, "vision_config", None)
        vision_hidden = int(getattr(vision, "hidden_size", self.backbone.hidden_size))
        return budget_for(self.device, self.backbone.hidden_size, vision_hidden, self.dtype)

    @cached_property
    def preprocessing_id(self) -> str:
        """Identifies how pixels reach the vision tower (decoder recipe and image processor settings),
        the part of a vision cache key that the weights' fingerprint does not cover."""
        digest = hashlib.sha256(f"{DECODE_RECIPE}|{type(self.backbone).__name__}".encode())
        digest.update(
            json.dumps(self.backbone.image_processor.to_dict(), sort_keys=True, default=str).encode()
        )
        return digest.hexdigest()[:16]

    # --- differentiable path (training) ---------------------------------------------------------

    def visual_grids(self, images: list[Image.Image]) -> list[torch.Tensor]:
        """Post-projector visual tokens per image, each (h, w, H); gradients flow when enabled."""
        return self.backbone.visual_grids(images)

    def embed_batch(
        self,
        docs: Sequence[InterleavedDoc],
        n: Granularity,
        grids_by_path: dict[str, torch.Tensor],
        prompt_name: str = DOCUMENT_PROMPT,
        multi: bool = False,
    ) -> torch.Tensor | MultiVectors:
        """(B, dim) unit embeddings of `docs` whose images' grids are given; pools them to N×N.
        `multi=True` (multi-vector models): both embeddings from one forward with the meta tokens."""
        n = check_granularity(n)
        return self.embed_pairs([(doc, n) for doc in docs], grids_by_path, prompt_name, multi)

    def embed_pairs(
        self,
        pairs: Sequence[tuple[InterleavedDoc, Granularity]],
        grids_by_path: dict[str, torch.Tensor],
        prompt_name: str = DOCUMENT_PROMPT,
        multi: bool = False,
    ) -> torch.Tensor | MultiVectors:
        """(B, dim) for (document, N) pairs that may mix granularities, in one LM forward.

        Mixing N lets `encode_all` send every granularity of a document through the language model
        together: a few large matrix products instead of many thin ones.
        """
        pooled = {}
        for n in dict.fromkeys(n for _, n in pairs):
            paths = [seg.path for doc, m in pairs if m == n for seg in doc.images]
            pooled[n] = iter(pool_grids([grids_by_path[path] for path in paths], n))
        sequences = [
            [seg.text if isinstance(seg, TextSegment) else next(pooled[n]) for seg in doc.segments]
            for doc, n in pairs
        ]
        return self._embed_sequences(sequences, prompt_name, multi)

    def embed_pooled(
        self,
        pairs: Sequence[tuple[InterleavedDoc, Granularity]],
        tokens_by_path: dict[str, dict[Granularity, torch.Tensor]],
        prompt_name: str = DOCUMENT_PROMPT,
        multi: bool = False,
    ) -> torch.Tensor | MultiVectors:
        """`embed_pairs` for images already pooled: tokens_by_path[path][n] is (h, w, H)."""
        sequences = [
            [
                seg.text if isinstance(seg, TextSegment) else tokens_by_path[seg.path][n]
                for seg in doc.segments
            ]
            for doc, n in pairs
        ]
        return self._embed_sequences(sequences, prompt_name, multi)

    def _embed_sequences(self, sequences: list, prompt_name: str, multi: bool = False):
        """(B, dim) unit embeddings of token sequences (text and pooled image grids); with `multi`,
        a `MultiVectors` from one forward whose last M tokens are the prompt's meta tokens."""
        if not multi:
            batch = self.backbone.tokenize(sequences, prompt_name)
            hidden = self.backbone.hidden_states(batch)  # (B, L, H)
            final = last_token(hidden, batch.attention_mask.to(hidden.device))  # (B, H)
            return normalise(final[:, : self.dim])  # (B, dim): Matryoshka truncation, then unit length
        head = self._require_head()
        count = head.count(prompt_name)
        batch = self.backbone.tokenize(sequences, prompt_name, trailing=count)
        embedding = self.backbone.model.get_input_embeddings()
        with head.appended(embedding, tuple(batch.input_ids.shape), prompt_name):
            hidden = self.backbone.hidden_states(batch)  # (B, L, H); meta tokens in the last M columns
        final = last_token(hidden[:, :-count], batch.attention_mask[:, :-count].to(hidden.device))  # (B, H)
        meta = hidden[:, -count:, : self.dim]  # (B, M, dim)
        return MultiVectors(single=normalise(final[:, : self.dim]), multi=normalise(meta))

    def _require_head(self) -> MetaTokenHead:
        if self.meta_head is None:
            raise ValueError(
                f"model {self.model_id!r} is a single-vector model (no meta tokens); multi-vector encoding "
                "needs a checkpoint with a multi-vector head (e.g. `python -m mme_data.tiny FAMILY DIR "
                "--meta-tokens 16,16`, or training with --meta-tokens Q,D)"
            )
        return self.meta_head

    # --- inference ------------------------------------------------------------------------------

    def encode(
        self,
        docs: Sequence[InterleavedDoc],
        n: Granularity = 3,
        batch_size: int | None = None,
        prompt_name: str = DOCUMENT_PROMPT,
        progress: bool = False,
    ) -> np.ndarray:
        """(B, dim) float32 unit vectors at granularity `n`; `prompt_name="query"` for search queries."""
        return self.encode_all(docs, [n], batch_size, prompt_name, progress)[check_granularity(n)]

    def encode_all(
        self,
        docs: Sequence[InterleavedDoc],
        ns: Iterable[Granularity] = (1, 2, 3, 4, 6),
        batch_size: int | None = None,
        prompt_name: str = DOCUMENT_PROMPT,
        progress: bool = False,
        *,
        vision_cache: VisionCache | None = None,
        budget: EncodeBudget | None = None,
        on_documents: Callable[[int], None] | None = None,
    ) -> dict[Granularity, np.ndarray]:
        """{n: (B, dim) float32} for every n, from a single vision pass per distinct image.

        Memory is bounded by `budget` (default `budget_for` the device; see `mme_core.batching`):
        decoded pixels and visual tokens per vision call, padded tokens per LM forward; documents
        are taken longest first, `batch_size` (None: 8 on CPU, from free memory on a GPU) at most
        per forward. Each image is decoded once, at the size the model needs, and its pixels freed
        after its vision call. `vision_cache` (see `mme_core.vision_cache`) is asked before any
        image is decoded; what the vision tower computes is put into it. Counts go to `self.stats`;
        `on_documents(k)` is called as each batch of k documents is finished (for progress bars).
        """
        return encode_docs(
            self, docs, ns, batch_size, prompt_name, progress, vision_cache, budget, on_documents, multi=False
        )

    def encode_multi(
        self,
        docs: Sequence[InterleavedDoc],
        n: Granularity = 3,
        batch_size: int | None = None,
        prompt_name: str = DOCUMENT_PROMPT,
        progress: bool = False,
    ) -> np.ndarray:
        """(B, M, dim) float32 multi-vector embeddings at granularity `n` (M: the prompt's meta-token
        count; each row unit length). Nested: budget k is `out[:, :k]`. Multi-vector models only."""
        return self.encode_all_multi(docs, [n], batch_size, prompt_name, progress)[check_granularity(n)]

    def encode_all_multi(
        self,
        docs: Sequence[InterleavedDoc],
        ns: Iterable[Granularity] = (1, 2, 3, 4, 6),
        batch_size: int | None = None,
        prompt_name: str = DOCUMENT_PROMPT,
        progress: bool = False,
        *,
        vision_cache: VisionCache | None = None,
        budget: EncodeBudget | None = None,
        on_documents: Callable[[int], None] | None = None,
    ) -> dict[Granularity, np.ndarray]:
        """{n: (B, M, dim) float32} for every n: `encode_all` with the meta tokens appended (same
        single vision pass per distinct image, same memory bounds)."""
        self._require_head()
        return encode_docs(
            self, docs, ns, batch_size, prompt_name, progress, vision_cache, budget, on_documents, multi=True
        )

    def encode_all_kinds(
        self,
        docs: Sequence[InterleavedDoc],
        ns: Iterable[Granularity] = (1, 2, 3, 4, 6),
        batch_size: int | None = None,
        prompt_name: str = DOCUMENT_PROMPT,
        progress: bool = False,
        *,
        vision_cache: VisionCache | None = None,
        budget: EncodeBudget | None = None,
        on_documents: Callable[[int], None] | None = None,
    ) -> tuple[dict[Granularity, np.ndarray], dict[Granularity, np.ndarray]]:
        """({n: (B, dim)}, {n: (B, M, dim)}): `encode_all` and `encode_all_multi` from one forward
        per row. The meta tokens follow the input and attention is causal, so the last input token's
        state, the single vector, is `encode_all`'s up to float rounding; an index build of a
        multi-vector model runs the language model once instead of twice."""
        self._require_head()
        singles: dict[Granularity, np.ndarray] = {}
        multi = encode_docs(
            self,
            docs,
            ns,
            batch_size,
            prompt_name,
            progress,
            vision_cache,
            budget,
            on_documents,
            True,
            singles,
        )
        return singles, multi


def check_output_dim(backbone: Backbone, model_id: str, dim: int | None) -> int:
    """The output dim for `dim` (None: the hidden size); refuses one the model was not trained for."""
    hidden = backbone.hidden_size
    if dim is None or (dim == hidden and not isinstance(dim, bool)):
        return hidden
    supported = backbone.matryoshka_dims()
    if supported is None:
        raise ValueError(
            f"model {model_id!r} ({backbone.family}) has no Matryoshka output dims: its embeddings are "
            f"{hidden}-d only; valid dims are {hidden} (or leave dim unset)"
        )
    low, high = supported
    if isinstance(dim, bool) or not isinstance(dim, int) or not low <= dim <= high:
        examples = ", ".join(str(d) for d in (4096, 2048, 1024, 512, 256, 128, 64) if low <= d <= high)
        raise ValueError(
            f"unsupported dim {dim!r} for model {model_id!r}; valid dims are integers from {low} to {high} "
            f"(e.g. {examples})"
        )
    return dim


def _image_size(segment: ImageSegment, owner: str = "") -> tuple[int, int]:
    """Upright (width, height) from the header alone; every problem a ValueError naming the file."""
    try:
        try:
            return upright_size(segment.path, segment.display_name)
        except ValueError:
            decode_image(segment.read_bytes(), name=segment.display_name)  # the precise cause: missing, empty
            raise
    except ValueError as err:
        raise ValueError(f"{err}{f' (in document {owner!r})' if owner else ''}") from err


def _image_processor_settings(processor) -> str:
    """The image processor's effective settings as stable JSON (class names and paths left out)."""
    settings = {
        key: value
        for key, value in processor.to_dict().items()
        if key not in {"image_processor_type", "processor_class", "_processor_class"}
    }
    return json.dumps(settings, sort_keys=True, default=str)
