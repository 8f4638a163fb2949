"""A procedural, CPU-cheap interleaved how-to benchmark in wikiHow-TIIR format.

    python -m mme_data.synthetic OUT_DIR --docs 5000 --queries 1000 --train 6000 --dev 300 --seed 0

See `writing.py` for the file layout and `tutorials.py` for why text alone, pictures alone and
pictures out of order each fail to find the answer.
"""

from __future__ import annotations

from mme_data.synthetic.drawing import ImageSpec, render
from mme_data.synthetic.generate import GenerationReport, SyntheticConfig, generate
from mme_data.synthetic.vocabulary import corpus_lines

__all__ = ["GenerationReport", "ImageSpec", "SyntheticConfig", "corpus_lines", "generate", "render"]
