"""MetaEmbed-style multi-vector head: learnable meta tokens appended after the input.

The head holds two small matrices of input embeddings, one for queries (Q tokens) and one for
documents (D tokens). They are appended after the family's whole template (after the token whose
state is the single vector), so the language model is causal over them: every meta token reads the
instruction, the interleaved text and the MME-pooled images, and the single-vector state before them
is what it was without them. Their last-layer states, each L2-normalised, are the multi-vector
embedding. Training them in nested groups (Matryoshka budgets, e.g. 1, 2, 4, 8, 16) makes the first
k vectors a complete embedding on their own, so budget k is `vectors[:, :k]`.

A query at budget k uses its first min(k, Q) vectors, a document its first min(k, D).

The tokens enter through a forward hook on the LM's input-embedding module: the placeholder ids at
the last columns of a left-padded batch are replaced by the meta embeddings, which keeps the model's
own forward (image splicing, M-RoPE positions, DeepStack) untouched and lets gradients reach them.

Storage: `meta_tokens.safetensors` in the checkpoint folder (or in a LoRA adapter folder, which then
wins), tensors "query" (Q, H) and "document" (D, H), budgets in the file's metadata.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .backbones import QUERY_PROMPT

META_TOKENS_FILE = "meta_tokens.safetensors"
FORMAT = "mme-meta-tokens-1"


def parse_meta_tokens(value: object) -> tuple[int, int]:
    """(query count, document count) from "16,16", "8,16" or a pair of ints; each 1..256."""
    items = value.split(",") if isinstance(value, str) else value
    try:
        counts = tuple(int(str(item).strip()) for item in items)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        counts = ()
    if len(counts) != 2 or not all(1 <= count <= 256 for count in counts):
        raise ValueError(
            "meta tokens must be two counts Q,D (query, document), each from 1 to 256, e.g. 16,16; "
            f"got {value!r}"
        )
    return counts  # type: ignore[return-value]


def default_budgets(meta_tokens: tuple[int, int]) -> tuple[int, ...]:
    """Powers of two up to the larger count, and that count itself: (16, 16) -> 1, 2, 4, 8, 16."""
    largest = max(meta_tokens)
    budgets = [2**power for power in range(largest.bit_length()) if 2**power < largest]
    return (*budgets, largest)


def parse_budgets(value: object, meta_tokens: tuple[int, int]) -> tuple[int, ...]:
    """Nested budgets, ascending and distinct, each from 1 to max(Q, D): "1,2,4,8,16" or a list."""
    largest = max(meta_tokens)
    items = value.split(",") if isinstance(value, str) else value
    try:
        budgets = tuple(int(str(item).strip()) for item in items)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        budgets = ()
    if (
        not budgets
        or any(not 1 <= budget <= largest for budget in budgets)
        or list(budgets) != sorted(set(budgets))
    ):
        raise ValueError(
            f"budgets must be ascending distinct vector counts from 1 to {largest} (the larger meta-token "
            f"count), e.g. {','.join(map(str, default_budgets(meta_tokens)))}; got {value!r}"
        )
    return budgets


class MetaTokenHead(torch.nn.Module):
    """The learnable meta tokens of one model: `query` (Q, H) and `document` (D, H)."""

    def __init__(
        self,
        meta_tokens: tuple[int, int],
        hidden_size: int,
        budgets: Iterable[int] | None = None,
        init_std: float = 0.02,
        seed: int = 0,
    ) -> None:
        super().__init__()
        query_count, document_count = parse_meta_tokens(meta_tokens)
        self.budgets = parse_budgets(budgets, (query_count, document_count)) if budgets else None
        self.budgets = self.budgets or default_budgets((query_count, document_count))
        generator = torch.Generator().manual_seed(seed)
        self.query = torch.nn.Parameter(torch.randn(query_count, hidden_size, generator=generator) * init_std)
        self.document = torch.nn.Parameter(
            torch.randn(document_count, hidden_size, generator=generator) * init_std
        )

    @property
    def meta_tokens(self) -> tuple[int, int]:
        return self.query.shape[0], self.document.shape[0]

    @property
    def hidden_size(self) -> int:
        return self.query.shape[1]

    def tokens(self, prompt_name: str) -> torch.nn.Parameter:
        """The query tokens for the query prompt; the document tokens for any other prompt."""
        return self.query if prompt_name == QUERY_PROMPT else self.document

    def count(self, prompt_name: str) -> int:
        return self.tokens(prompt_name).shape[0]

    @contextlib.contextmanager
    def appended(
        self, embedding: torch.nn.Module, batch_shape: tuple[int, int], prompt_name: str
    ) -> Iterator[None]:
        """While active, the LM's input embeddings of a (B, L) batch get the meta tokens as their last
        M columns (where `Backbone.tokenize(..., trailing=M)` put placeholders)."""
        tokens = self.tokens(prompt_name)  # (M, H)
        count = tokens.shape[0]

        def replace_last_columns(module, args, output: torch.Tensor) -> torch.Tensor | None:
            if tuple(output.shape[:2]) != tuple(batch_shape):
                return None  # another lookup (e.g. one placeholder id): leave it alone
            meta = tokens.to(output.device, output.dtype).expand(output.shape[0], count, -1)  # (B, M, H)
            return torch.cat([output[:, :-count], meta], dim=1)  # (B, L, H)

        handle = embedding.register_forward_hook(replace_last_columns)
        try:
            yield
        finally:
            handle.remove()

    def digest(self) -> bytes:
        """Every meta-token value and the budgets (a few KB: hashed in full for the fingerprint)."""
        sha = hashlib.sha256(f"{FORMAT}|{self.meta_tokens}|{self.budgets}".encode())
        for tensor in (self.query, self.document):
            sha.update(tensor.detach().float().cpu().numpy().tobytes())
        return sha.digest()

    # --- files ----------------------------------------------------------------------------------

    def save(self, folder: str | Path) -> Path:
        """Write `meta_tokens.safetensors` into `folder` (through a temporary name: never half a file)."""
        from safetensors.torch import save_file

        target = Path(folder) / META_TOKENS_FILE
        partial = target.with_name(target.name + ".partial")
        tensors = {
            "query": self.query.detach().float().cpu().contiguous(),
            "document": self.document.detach().float().cpu().contiguous(),
        }
        save_file(tensors, partial, metadata={"format": FORMAT, "budgets": ",".join(map(str, self.budgets))})
        partial.replace(target)
        return target

    @classmethod
    def load(cls, path: str | Path, hidden_size: int, shown_as: str) -> MetaTokenHead:
        """Read a head file; `shown_as` names it in errors as the person named its folder."""
        from safetensors import safe_open

        try:
            with safe_open(str(path), framework="pt") as handle:
                metadata = handle.metadata() or {}
                names = set(handle.keys())
                if metadata.get("format") != FORMAT or names != {"query", "document"}:
                    raise ValueError(f"not a {FORMAT} file (tensors {sorted(names)}, metadata {metadata})")
                query, document = handle.get_tensor("query"), handle.get_tensor("document")
        except ValueError as err:
            raise ValueError(f"meta-token file {shown_as} is unreadable: {err}") from err
        except Exception as err:  # safetensors raises its own error types for damaged headers
            raise ValueError(f"meta-token file {shown_as} is unreadable: {err}") from err
        for name, tensor in (("query", query), ("document", document)):
            if tensor.ndim != 2 or tensor.shape[1] != hidden_size:
                raise ValueError(
                    f"meta-token file {shown_as}: {name} tokens are {tuple(tensor.shape)}, the model needs "
                    f"(count, {hidden_size})"
                )
        counts = (query.shape[0], document.shape[0])
        head = cls(counts, hidden_size, budgets=parse_budgets(metadata.get("budgets", ""), counts))
        with torch.no_grad():
            head.query.copy_(query)
            head.document.copy_(document)
        return head


def load_meta_head(
    model: str, source: str, adapter: str | None, hidden_size: int, hub: dict
) -> MetaTokenHead | None:
    """The checkpoint's meta tokens, if it has any; an adapter folder's own file wins (LoRA training
    writes the trained head next to the adapter). Errors name the folder as the person gave it."""
    from transformers.utils import cached_file

    candidates = [(adapter, adapter)] if adapter is not None else []
    candidates.append((source, model))
    for location, shown in candidates:
        try:
            path = cached_file(
                location, META_TOKENS_FILE, _raise_exceptions_for_missing_entries=False,
                local_files_only=True if Path(location).is_dir() else hub["local_files_only"],
            )  # fmt: skip
        except OSError:
            path = None
        if path is not None:
            return MetaTokenHead.load(path, hidden_size, shown_as=f"{META_TOKENS_FILE} in {shown!r}")
    return None


def maxsim_numpy(queries: np.ndarray, documents: np.ndarray) -> np.ndarray:
    """(Bq, Bd) late-interaction scores: for each query vector its best document vector, summed.

    queries (Bq, m, D), documents (Bd, n, D), rows unit length (then each term is a cosine).
    """
    similarity = np.einsum("qmd,bnd->qbmn", queries, documents)  # (Bq, Bd, m, n)
    return similarity.max(axis=3).sum(axis=2)  # (Bq, Bd)


def maxsim_torch(queries: torch.Tensor, documents: torch.Tensor) -> torch.Tensor:
    """`maxsim_numpy` in torch (differentiable): (Bq, m, D) x (Bd, n, D) -> (Bq, Bd)."""
    similarity = torch.einsum("qmd,bnd->qbmn", queries, documents)  # (Bq, Bd, m, n)
    return similarity.max(dim=3).values.sum(dim=2)  # (Bq, Bd)


@dataclass(frozen=True)
class MultiVectors:
    """One forward with meta tokens gives both embeddings of each row."""

    single: torch.Tensor  # (B, dim) unit: the template's last token, as without the head
    multi: torch.Tensor  # (B, M, dim) unit rows: the meta tokens' states, budget k = [:, :k]
