"""What every backbone family provides to the MME encoder.

A backbone wraps a Hugging Face vision-language model without forking it: it turns images into
post-projector visual token *grids*, and embeds a batch of interleaved sequences whose images arrive
as (pooled) grids, using the model's own `mm_encoder_outputs` hook to splice them in place of the
image placeholder tokens. Families differ only in their prompt template and position ids.

Prompts are named, as in sentence-transformers: each family declares `default_prompts`, a dict of
prompt name -> instruction that its template wraps around the content. "document" is the default
(stored vectors use it); "query" is what searches use. Only the document prompt shapes stored
vectors, so only it enters the encoder fingerprint.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import lru_cache

import torch
from PIL import Image

# A sequence item: text, or an image's (pooled) visual tokens laid on their grid (h, w, H).
SequenceItem = str | torch.Tensor


@dataclass
class TokenizedBatch:
    """Left-padded batch plus the flat visual features in placeholder order."""

    input_ids: torch.Tensor  # (B, L)
    attention_mask: torch.Tensor  # (B, L)
    token_types: torch.Tensor  # (B, L): 0 text, 1 image
    image_features: list[torch.Tensor]  # per image (h*w, H), batch-major order
    image_grids: list[tuple[int, int]]  # per image (h, w) as fed to the LM


DOCUMENT_PROMPT = "document"
QUERY_PROMPT = "query"


class Backbone(ABC):
    family: str = ""
    # prompt name -> instruction; families override. An empty instruction means "no instruction".
    default_prompts: dict[str, str] = {DOCUMENT_PROMPT: "", QUERY_PROMPT: ""}

    def __init__(self, model, tokenizer, image_processor, prompts: dict[str, str] | None = None) -> None:
        self.model = model  # the *ForConditionalGeneration; LoRA layers are injected in place
        self.tokenizer = tokenizer
        self.image_processor = image_processor
        self.prompts = {**self.default_prompts, **(prompts or {})}
        self._prefixes: dict[str, list[int]] = {}
        # Encoding asks for the same text segment's ids again and again (its length for every N, then
        # its ids for every N's row): tokenize each distinct text once. The tokenizer is fixed.
        self._cached_ids = lru_cache(maxsize=2048)(self._tokenize_text)
        self.image_token_id = int(model.config.image_token_id)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        self.pad_token_id = int(pad)

    @property
    def hidden_size(self) -> int:
        return int(self.model.config.get_text_config().hidden_size)

    def matryoshka_dims(self) -> tuple[int, int] | None:
        """(smallest, largest) output dim the model was trained to be truncated to; None: not trained so."""
        return None

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    # --- images ---------------------------------------------------------------------------------

    @abstractmethod
    def visual_grids(self, images: list[Image.Image]) -> list[torch.Tensor]:
        """Post-projector visual tokens of each image laid on their grid, each (h, w, H)."""

    @abstractmethod
    def grid_shape(self, image_size: tuple[int, int]) -> tuple[int, int]:
        """(h, w) of the visual token grid for an image of (width, height), without running the model."""

    def decode_size(self, image_size: tuple[int, int]) -> tuple[int, int] | None:
        """(width, height) the image processor resizes an upright image of `image_size` to, so the
        decoder can produce exactly that (the processor's resize is then a no-op). None: decode at
        full size, the safe default for a family whose processor is not described here."""
        return None

    # --- text template --------------------------------------------------------------------------

    def check_prompt_name(self, prompt_name: str) -> str:
        if prompt_name not in self.prompts:
            valid = ", ".join(repr(name) for name in self.prompts)
            raise ValueError(f"unknown prompt_name {prompt_name!r}; valid prompt names are {valid}")
        return prompt_name

    def prefix(self, prompt_name: str = DOCUMENT_PROMPT) -> list[int]:
        """Token ids before the content for the named prompt (cached: the template is fixed)."""
        name = self.check_prompt_name(prompt_name)
        if name not in self._prefixes:
            self._prefixes[name] = self.build_prefix(self.prompts[name])
        return self._prefixes[name]

    @abstractmethod
    def build_prefix(self, instruction: str) -> list[int]:
        """Token ids before the content (BOS, system prompt carrying `instruction`…)."""

    @abstractmethod
    def suffix(self) -> list[int]:
        """Token ids after the content; the last one is the token whose state is the embedding."""

    def image_wrapper(self) -> tuple[list[int], list[int]]:
        """Token ids around each image's placeholders (e.g. vision start / end)."""
        return [], []

    def text_ids(self, text: str) -> list[int]:
        return list(self._cached_ids(text))

    def _tokenize_text(self, text: str) -> tuple[int, ...]:
        return tuple(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    # --- batching -------------------------------------------------------------------------------

    def tokenize(
        self, sequences: list[list[SequenceItem]], prompt_name: str = DOCUMENT_PROMPT, trailing: int = 0
    ) -> TokenizedBatch:
        """Left-padded ids; `trailing` placeholder tokens follow the template (meta tokens go there)."""
        rows: list[tuple[list[int], list[int]]] = []
        features: list[torch.Tensor] = []
        grids: list[tuple[int, int]] = []
        before, after = self.image_wrapper()
        for sequence in sequences:
            ids, types = list(self.prefix(prompt_name)), [0] * len(self.prefix(prompt_name))
            for item in sequence:
                if isinstance(item, str):
                    piece = self.text_ids(item)
                    ids += piece
                    types += [0] * len(piece)
                else:
                    height, width, hidden = item.shape
                    ids += before + [self.image_token_id] * (height * width) + after
                    types += [0] * len(before) + [1] * (height * width) + [0] * len(after)
                    features.append(item.reshape(height * width, hidden))  # (h*w, H)
                    grids.append((height, width))
            ids += self.suffix() + [self.pad_token_id] * trailing
            types += [0] * (len(self.suffix()) + trailing)
            rows.append((ids, types))
        length = max(len(ids) for ids, _ in rows)
        input_ids = torch.full((len(rows), length), self.pad_token_id, dtype=torch.long)
        attention_mask = torch.zeros((len(rows), length), dtype=torch.long)
        token_types = torch.zeros((len(rows), length), dtype=torch.long)
        for row, (ids, types) in enumerate(rows):  # left padding: real tokens end at column -1
            input_ids[row, length - len(ids) :] = torch.tensor(ids)
            attention_mask[row, length - len(ids) :] = 1
            token_types[row, length - len(ids) :] = torch.tensor(types)
        return TokenizedBatch(input_ids, attention_mask, token_types, features, grids)

    def count_tokens(self, sequence: list[str | tuple[int, int]], prompt_name: str = DOCUMENT_PROMPT) -> int:
        """LM tokens of a sequence whose images are given by their (h, w) grid after pooling."""
        before, after = self.image_wrapper()
        total = len(self.prefix(prompt_name)) + len(self.suffix())
        for item in sequence:
            if isinstance(item, str):
                total += len(self.text_ids(item))
            else:
                total += len(before) + item[0] * item[1] + len(after)
        return total

    @abstractmethod
    def hidden_states(self, batch: TokenizedBatch) -> torch.Tensor:
        """Final-layer hidden states (B, L, H) of the language model for a tokenized batch."""
