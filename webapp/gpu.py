"""GPU work on a Hugging Face ZeroGPU Space.

A ZeroGPU Space lends a GPU only inside functions decorated with `spaces.GPU`. All of the app's GPU
work (query embedding, the dominance diagnostic, indexing a collection) goes through the encoder's
`encode_all`, so that one method is wrapped. `spaces.GPU` is itself a no-op off ZeroGPU (it returns
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


def lend_gpu_to(encoder, duration: int = ENCODE_SECONDS):
    """Route `encoder.encode_all` through `spaces.GPU` when the package is there; returns the encoder."""
    if spaces is not None:
        encoder.encode_all = spaces.GPU(duration=duration)(encoder.encode_all)  # same method off ZeroGPU
    return encoder
