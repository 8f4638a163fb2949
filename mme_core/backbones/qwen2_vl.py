"""Qwen2-VL family (GME-Qwen2-VL and kin): dynamic-resolution ViT, 2x2 merger, M-RoPE LM."""

from __future__ import annotations

import torch
from PIL import Image
from transformers.modeling_outputs import BaseModelOutputWithPooling
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

from .base import DOCUMENT_PROMPT, QUERY_PROMPT, Backbone, TokenizedBatch

# GME's documented input format (gme_inference.py on the model card): a chat turn whose system
# message is the instruction, the content in the user turn, and an `<|endoftext|>` after the
# assistant header whose last hidden state is the embedding.
PROMPT_PREFIX = "<|im_start|>system\n{instruction}<|im_end|>\n<|im_start|>user\n"
PROMPT_SUFFIX = "<|im_end|>\n<|im_start|>assistant\n<|endoftext|>"


class Qwen2VLBackbone(Backbone):
    family = "qwen2_vl"
    default_prompts = {
        DOCUMENT_PROMPT: "You are a helpful assistant.",  # GME's default for candidates
        QUERY_PROMPT: "Find a how-to tutorial whose text and images answer the given interleaved query.",
    }

    def __init__(self, model, tokenizer, image_processor, prompts: dict[str, str] | None = None) -> None:
        super().__init__(model, tokenizer, image_processor, prompts)
        self.merge = int(model.config.vision_config.spatial_merge_size)
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

    def build_prefix(self, instruction: str) -> list[int]:
        return self.text_ids(PROMPT_PREFIX.format(instruction=instruction))

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
