"""DeepSeek-VL (the paper's backbone): SigLIP-384/16 -> 24x24 tokens -> aligner -> LLaMA-style LM."""

from __future__ import annotations

import math

import torch
from PIL import Image
from transformers.modeling_outputs import BaseModelOutputWithPooling

from .base import Backbone, TokenizedBatch


class DeepseekVLBackbone(Backbone):
    """Sequence: BOS, interleaved text and image placeholders, EOS; the embedding is EOS's state.

    The stock processor always inserts 576 placeholders per image; we build ids ourselves so an image
    costs exactly h*w placeholders after pooling, and pass the pooled tokens through
    `mm_encoder_outputs`, which the model scatters over the placeholders in order.
    """

    family = "deepseek_vl"

    def visual_grids(self, images: list[Image.Image]) -> list[torch.Tensor]:
        if not images:
            return []
        pixels = self.image_processor(images=images, return_tensors="pt")["pixel_values"]  # (n, 3, S, S)
        pixels = pixels.to(self.device, self.model.dtype)
        tokens = self.model.model.get_image_features(pixels).pooler_output  # (n, T, H)
        side = math.isqrt(tokens.shape[1])
        return list(tokens.reshape(tokens.shape[0], side, side, tokens.shape[-1]))  # n x (side, side, H)

    def grid_shape(self, image_size: tuple[int, int]) -> tuple[int, int]:
        vision = self.model.config.vision_config
        side = vision.image_size // vision.patch_size  # images are padded to a square first
        return side, side

    def decode_size(self, image_size: tuple[int, int]) -> tuple[int, int] | None:
        """The processor scales the longest side to `size` (then pads to a square): the same sizes."""
        width, height = image_size
        side = int(self.image_processor.size.height)
        if max(width, height) <= side:
            return None  # the processor enlarges: nothing to save
        scale = side / max(width, height)
        floor = int(getattr(self.image_processor, "min_size", 1) or 1)
        return max(round(width * scale), floor), max(round(height * scale), floor)

    def build_prefix(self, instruction: str) -> list[int]:
        # The paper's MME uses no instruction (both prompts empty); a user-given one follows BOS.
        bos = self.tokenizer.bos_token_id
        return ([bos] if bos is not None else []) + (self.text_ids(instruction) if instruction else [])

    def suffix(self) -> list[int]:
        return [self.tokenizer.eos_token_id]

    def hidden_states(self, batch: TokenizedBatch) -> torch.Tensor:
        device = self.device
        mask = batch.attention_mask.to(device)
        position_ids = (mask.cumsum(-1) - 1).clamp(min=0)  # (B, L): left padding must not shift RoPE
        encoder_outputs = None
        if batch.image_features:
            features = torch.cat(batch.image_features).to(device)  # (sum h*w, H)
            encoder_outputs = {"image": BaseModelOutputWithPooling(pooler_output=features)}
        output = self.model.model(
            input_ids=batch.input_ids.to(device),
            attention_mask=mask,
            position_ids=position_ids,
            mm_encoder_outputs=encoder_outputs,
            use_cache=False,
        )
        return output.last_hidden_state  # (B, L, H)
