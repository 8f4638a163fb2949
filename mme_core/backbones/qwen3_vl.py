"""Qwen3-VL family (Qwen3-VL-Embedding-2B/-8B and plain Qwen3-VL): ViT with DeepStack, 2x2 merger.

Prompt and pooling follow the official reference (QwenLM/Qwen3-VL-Embedding,
`src/models/qwen3_vl_embedding.py`): the chat template with the instruction as system message
(default "Represent the user's input.", a final period added when the instruction ends without
punctuation), the content as the user turn, the generation prompt `<|im_start|>assistant\\n`, and the
last token's final hidden state, L2-normalised. Images are capped at 4·32² .. 1800·32² pixels
(MIN_PIXELS / MAX_PIXELS there) and, unlike the reference formatter, which puts every image before
all text, the content keeps the document's own order: text and images interleave as written, which
is the signal MME retrieval is about. For a document of one image followed by text the two agree.

DeepStack: Qwen3-VL adds features from intermediate ViT layers (one per `deepstack_visual_indexes`
entry) to the hidden states of its first LM layers, at the image token positions. MME pooling must
keep each injected feature on its token, so `visual_grids` lays them on the same grid as the merged
tokens, stacked on the channel axis: (h, w, H * (1 + K)). Average pooling acts per channel, so
pooling the stack to N x N pools every DeepStack feature exactly like its token, and
`hidden_states` splits the channels back before the LM.
"""

from __future__ import annotations

import unicodedata

import torch
from transformers.models.qwen3_vl.modeling_qwen3_vl import BaseModelOutputWithDeepstackFeatures

from .base import DOCUMENT_PROMPT, QUERY_PROMPT
from .qwen2_vl import Qwen2VLBackbone

PROMPT_PREFIX = "<|im_start|>system\n{instruction}<|im_end|>\n<|im_start|>user\n"
PROMPT_SUFFIX = "<|im_end|>\n<|im_start|>assistant\n"  # add_generation_prompt=True; last token "\n"
# Reference IMAGE_FACTOR = 16 px patches x 2 merge = 32; MIN_PIXELS = 4 * 32², MAX_PIXELS = 1800 * 32².
QWEN3_VL_PIXEL_LIMITS = (4 * 32 * 32, 1800 * 32 * 32)
# Model card: Matryoshka output dims from 64 up to the hidden size (2048 for 2B, 4096 for 8B).
MIN_MATRYOSHKA_DIM = 64


def with_final_punctuation(instruction: str) -> str:
    """The reference's rule: strip, then end the instruction with '.' unless it ends in punctuation."""
    instruction = instruction.strip()
    if instruction and not unicodedata.category(instruction[-1]).startswith("P"):
        instruction += "."
    return instruction


class Qwen3VLBackbone(Qwen2VLBackbone):
    family = "qwen3_vl"
    default_prompts = {
        DOCUMENT_PROMPT: "Represent the user's input.",  # the reference's default instruction
        QUERY_PROMPT: "Retrieve how-to tutorials whose text and images answer the user's interleaved query.",
    }
    pixel_limits = QWEN3_VL_PIXEL_LIMITS
    prompt_prefix, prompt_suffix = PROMPT_PREFIX, PROMPT_SUFFIX

    @property
    def deepstack_layers(self) -> int:
        return len(self.model.config.vision_config.deepstack_visual_indexes)

    def matryoshka_dims(self) -> tuple[int, int]:
        return MIN_MATRYOSHKA_DIM, self.hidden_size

    def build_prefix(self, instruction: str) -> list[int]:
        return self.text_ids(self.prompt_prefix.format(instruction=with_final_punctuation(instruction)))

    def grids_from_tower(self, pixels: torch.Tensor, grid_thw: torch.Tensor) -> list[torch.Tensor]:
        output = self.model.model.get_image_features(pixels, grid_thw)
        grids = []
        for index, (_, height, width) in enumerate(grid_thw.tolist()):
            merged = output.pooler_output[index]  # (h*w, H)
            deepstack = [layer[index] for layer in output.deepstack_features]  # K x (h*w, H)
            stacked = torch.cat([merged, *deepstack], dim=-1)  # (h*w, H*(1+K))
            grids.append(stacked.reshape(height // self.merge, width // self.merge, -1))  # (h, w, H*(1+K))
        return grids

    def image_encoder_outputs(self, features: list[torch.Tensor]):
        hidden = self.hidden_size
        merged = [f[:, :hidden] for f in features]  # per image (h*w, H)
        deepstack = [
            [f[:, hidden * (k + 1) : hidden * (k + 2)] for f in features]
            for k in range(self.deepstack_layers)
        ]  # K x per image (h*w, H)
        return BaseModelOutputWithDeepstackFeatures(pooler_output=merged, deepstack_features=deepstack)
