"""Qwen2-VL family (GME-Qwen2-VL and kin): dynamic-resolution ViT, 2x2 merger, M-RoPE LM.

Image cost is bounded twice. Per image: the model's reference code caps the pixels (GME: 256..1280
merged tokens), while a stock Qwen2-VL preprocessor allows 12.8 MP, so a phone photo would become
~16k visual tokens; the reference limits replace the checkpoint's whenever the checkpoint allows
more. Per vision-tower call: images go in sub-batches of at most `patch_budget` ViT patches, so no
batch size, however large, sends unbounded pixels through the tower at once.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from PIL import Image
from transformers.image_utils import SizeDict
from transformers.modeling_outputs import BaseModelOutputWithPooling
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

from .base import DOCUMENT_PROMPT, QUERY_PROMPT, Backbone, TokenizedBatch

# GME's documented input format (gme_inference.py on the model card): a chat turn whose system
# message is the instruction, the content in the user turn, and an `<|endoftext|>` after the
# assistant header whose last hidden state is the embedding.
PROMPT_PREFIX = "<|im_start|>system\n{instruction}<|im_end|>\n<|im_start|>user\n"
PROMPT_SUFFIX = "<|im_end|>\n<|im_start|>assistant\n<|endoftext|>"

# gme_inference.py: min_image_tokens=256, max_image_tokens=1280, 28 px per merged token side.
GME_PIXEL_LIMITS = (256 * 28 * 28, 1280 * 28 * 28)
# ViT patches per vision-tower call: ~2-3 GB of activations for a 2B model's tower in bf16.
DEFAULT_PATCH_BUDGET = 16_384


def bound_pixels(image_processor, limits: tuple[int, int]) -> None:
    """Adopt the reference (min, max) pixels per image unless the checkpoint is already stricter."""
    min_pixels, max_pixels = limits
    size = image_processor.size
    if size.longest_edge is None or size.longest_edge > max_pixels:
        image_processor.size = SizeDict(shortest_edge=min_pixels, longest_edge=max_pixels)


class Qwen2VLBackbone(Backbone):
    family = "qwen2_vl"
    default_prompts = {
        DOCUMENT_PROMPT: "You are a helpful assistant.",  # GME's default for candidates
        QUERY_PROMPT: "Find a how-to tutorial whose text and images answer the given interleaved query.",
    }
    pixel_limits = GME_PIXEL_LIMITS
    prompt_prefix, prompt_suffix = PROMPT_PREFIX, PROMPT_SUFFIX

    def __init__(
        self,
        model,
        tokenizer,
        image_processor,
        prompts: dict[str, str] | None = None,
        patch_budget: int = DEFAULT_PATCH_BUDGET,
    ) -> None:
        super().__init__(model, tokenizer, image_processor, prompts)
        self.merge = int(model.config.vision_config.spatial_merge_size)
        self.patch_budget = patch_budget
        bound_pixels(image_processor, self.pixel_limits)
        self._suffix = self.text_ids(self.prompt_suffix)
        ids = tokenizer.convert_tokens_to_ids
        self._wrapper = ([ids("<|vision_start|>")], [ids("<|vision_end|>")])

    # --- images ---------------------------------------------------------------------------------

    def visual_grids(self, images: list[Image.Image]) -> list[torch.Tensor]:
        grids: list[torch.Tensor] = []
        for chunk in self.patch_budget_chunks(images):
            inputs = self.image_processor(images=chunk, return_tensors="pt")
            pixels = inputs["pixel_values"].to(self.device, self.model.dtype)  # (sum patches, C*t*p*p)
            grid_thw = inputs["image_grid_thw"].to(self.device)  # (n, 3) in patches
            grids += self.grids_from_tower(pixels, grid_thw)
        return grids

    def patch_budget_chunks(self, images: list[Image.Image]) -> Iterator[list[Image.Image]]:
        """Consecutive runs of images whose ViT patches add up to at most `patch_budget`
        (an image over the budget on its own still goes, alone: its pixels are bounded already)."""
        chunk: list[Image.Image] = []
        used = 0
        for image in images:
            height, width = self.grid_shape(image.size)
            patches = height * width * self.merge * self.merge
            if chunk and used + patches > self.patch_budget:
                yield chunk
                chunk, used = [], 0
            chunk.append(image)
            used += patches
        if chunk:
            yield chunk

    def grids_from_tower(self, pixels: torch.Tensor, grid_thw: torch.Tensor) -> list[torch.Tensor]:
        tokens = self.model.model.get_image_features(pixels, grid_thw).pooler_output  # n x (h*w, H)
        grids = []
        for merged, (_, height, width) in zip(tokens, grid_thw.tolist(), strict=True):
            grids.append(merged.reshape(height // self.merge, width // self.merge, -1))  # (h, w, H)
        return grids

    def grid_shape(self, image_size: tuple[int, int]) -> tuple[int, int]:
        width, height = image_size
        processor = self.image_processor
        factor = processor.patch_size * processor.merge_size
        resized_h, resized_w = smart_resize(
            height, width, factor=factor, min_pixels=processor.size.shortest_edge,
            max_pixels=processor.size.longest_edge,
        )  # fmt: skip
        return resized_h // factor, resized_w // factor

    def decode_size(self, image_size: tuple[int, int]) -> tuple[int, int] | None:
        """smart_resize's size: the merged grid times the patch and merge factor. Decoding at exactly
        this size keeps the grid `grid_shape` predicted (a smaller decode could round differently)."""
        height, width = self.grid_shape(image_size)
        factor = self.image_processor.patch_size * self.image_processor.merge_size
        target = width * factor, height * factor
        return target if target[0] < image_size[0] and target[1] < image_size[1] else None

    # --- text template --------------------------------------------------------------------------

    def build_prefix(self, instruction: str) -> list[int]:
        return self.text_ids(self.prompt_prefix.format(instruction=instruction))

    def suffix(self) -> list[int]:
        return self._suffix

    def image_wrapper(self) -> tuple[list[int], list[int]]:
        return self._wrapper

    # --- language model -------------------------------------------------------------------------

    def image_encoder_outputs(self, features: list[torch.Tensor]):
        return BaseModelOutputWithPooling(pooler_output=features)

    def hidden_states(self, batch: TokenizedBatch) -> torch.Tensor:
        device = self.device
        input_ids = batch.input_ids.to(device)
        mask = batch.attention_mask.to(device)
        # M-RoPE positions from the grid the LM actually sees: a pooled N x N grid is described to
        # get_rope_index as [1, 2N, 2N] patches (it divides by the merge size).
        grid_thw = None
        encoder_outputs = None
        if batch.image_features:
            grid_thw = torch.tensor(
                [[1, h * self.merge, w * self.merge] for h, w in batch.image_grids], device=device
            )  # (n_images, 3)
            features = [f.to(device) for f in batch.image_features]
            encoder_outputs = {"image": self.image_encoder_outputs(features)}
        position_ids, _ = self.model.model.get_rope_index(
            input_ids,
            mm_token_type_ids=batch.token_types.to(device),
            image_grid_thw=grid_thw,
            attention_mask=mask,
        )  # (3, B, L)
        output = self.model.model(
            input_ids=input_ids,
            attention_mask=mask,
            position_ids=position_ids,  # explicit: the model would otherwise reuse cached rope_deltas
            mm_encoder_outputs=encoder_outputs,
            use_cache=False,
        )
        return output.last_hidden_state  # (B, L, H)
