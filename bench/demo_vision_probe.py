"""Can a model's visual tokens tell the synthetic world's step pictures apart, at each N?

    nice -n 10 python -m bench.demo_vision_probe MODEL_DIR [--specs 150]

Renders `--specs` distinct picture specs canonically (as documents show them) and freshly jittered
(as queries show them), pools each picture's visual grid to N x N, and prints how often a jittered
picture's nearest canonical picture (cosine over the flattened pooled tokens) is its own spec. This
bounds what any language model on top can read from the pictures: for the demo it is the frozen
random tower (+ its projector, trained or not).
"""

from __future__ import annotations

import argparse
import random
import sys

NS = (1, 2, 3, 4, 6)


def nearest_accuracy(model: str, specs: int, seed: int = 3) -> dict[int, float]:
    import torch

    from mme_core.encoder import MMEEncoder
    from mme_core.pooling import pool_grids
    from mme_data.synthetic.drawing import random_spec, render

    encoder = MMEEncoder.from_pretrained(model, device="cpu", dtype="float32")
    rng = random.Random(seed)
    chosen = list(dict.fromkeys(random_spec(rng) for _ in range(specs * 4)))[:specs]
    canonical = [render(spec) for spec in chosen]
    jittered = [render(spec, jitter=random.Random(i)) for i, spec in enumerate(chosen)]
    with torch.no_grad():
        grids_c, grids_j = encoder.visual_grids(canonical), encoder.visual_grids(jittered)
    accuracy = {}
    for n in NS:
        docs = torch.stack([g.flatten() for g in pool_grids(grids_c, n)])
        queries = torch.stack([g.flatten() for g in pool_grids(grids_j, n)])
        docs, queries = (torch.nn.functional.normalize(x, dim=1) for x in (docs, queries))
        hits = (queries @ docs.T).argmax(1).eq(torch.arange(len(chosen)))
        accuracy[n] = hits.float().mean().item()
    return accuracy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.demo_vision_probe", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("model")
    parser.add_argument("--specs", type=int, default=150)
    args = parser.parse_args(argv)
    for n, value in nearest_accuracy(args.model, args.specs).items():
        print(
            f"N={n}: nearest canonical picture is its own spec for {100 * value:.0f} % of jittered pictures"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
