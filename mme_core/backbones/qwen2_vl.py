"""Qwen2-VL family (GME-Qwen2-VL and kin): dynamic-resolution ViT, 2x2 merger, M-RoPE LM."""

from __future__ import annotations

import torch
from PIL import Image
from transformers.modeling_outputs import BaseModelOutputWithPooling
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

from .base import Backbone, TokenizedBatch

# GME's documented input format (gme_inference.py on the model card): a chat turn whose system
# message is the instruction, the content in the user turn, and an `<|endoftext|>` after the
# assistant header whose last hidden state is the embedding.
DEFAULT_INSTRUCTION = "You are a helpful assistant."
QUERY_INSTRUCTION = "Find a how-to tutorial whose text and images answer the given interleaved query."
PROMPT_PREFIX = "<|im_start|>system\n{instruction}<|im_end|>\n<|im_start|>user\n"
PROMPT_SUFFIX = "<|im_end|>\n<|im_start|>assistant\n<|endoftext|>"


class Qwen2VLBackbone(Backbone):
    family = "qwen2_vl"

    def __init__(self, model, tokenizer, image_processor, query_instruction: str | None = None) -> None:
        super().__init__(model, tokenizer, image_processor)
        self.merge = int(model.config.vision_config.spatial_merge_size)
        self.query_instruction = query_instruction or QUERY_INSTRUCTION
        self._prefix = {
            flag: self.text_ids(
                PROMPT_PREFIX.format(instruction=self.query_instruction if flag else DEFAULT_INSTRUCTION)
            )
            for flag in (False, True)
        }
        self._suffix = self.text_ids(PROMPT_SUFFIX)
        ids = tokenizer.convert_tokens_to_ids
        self._wrapper = ([ids("<|vision_start|>")], [ids("<|vision_end|>")])

    def visual_grids(self, images: list[Image.Image]) -> list[torch.Tensor]:
        if not images:
            return []
        inputs = self.image_processor(images=images, return_tensors="pt")
        pixels = inputs["pixel_values"].to(self.device, self.model.dtype)  # (sum patches, C*t*p*p)
        grid_thw = inputs["image_grid_thw"].to(self.device)  # (n, 3) in patches
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

    def prefix(self, is_query: bool) -> list[int]:
        return self._prefix[is_query]

    def suffix(self) -> list[int]:
        return self._suffix

    def image_wrapper(self) -> tuple[list[int], list[int]]:
        return self._wrapper

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
            encoder_outputs = {"image": BaseModelOutputWithPooling(pooler_output=features)}
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
