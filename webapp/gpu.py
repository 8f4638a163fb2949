"""GPU work on a Hugging Face ZeroGPU Space.

A ZeroGPU Space lends a GPU only inside functions decorated with `spaces.GPU`. All of the app's GPU
work (query embedding, the dominance diagnostic, indexing a collection) goes through the encoder's
`encode_all`, or for a multi-vector model `encode_all_multi` / `encode_all_kinds`, so those methods
are wrapped. `spaces.GPU` is itself a no-op off ZeroGPU (it returns
the function unchanged unless SPACES_ZERO_GPU is set), and without the `spaces` package the app
runs as before: on a CPU Space, a local machine or a dedicated GPU nothing changes.
"""

from __future__ import annotations

try:
    import spaces
except ImportError:  # not installed: no ZeroGPU, nothing to wrap
    spaces = None

# Seconds of GPU one encode_all call may hold: a query takes well under a second on a GPU, an
# indexing chunk of up to 256 documents with photos a minute or two.
ENCODE_SECONDS = 120


# Every path to the model's forward passes (`encode`, `encode_multi` and the indexer call these).
GPU_METHODS = ("encode_all", "encode_all_multi", "encode_all_kinds")


def lend_gpu_to(encoder, duration: int = ENCODE_SECONDS):
    """Route the encoder's GPU_METHODS through `spaces.GPU` when the package is there; returns the
    encoder. Off ZeroGPU `spaces.GPU` hands each method back unchanged."""
    if spaces is not None:
        for name in GPU_METHODS:
            setattr(encoder, name, spaces.GPU(duration=duration)(getattr(encoder, name)))
    return encoder
