"""CLI: python -m mme_data.synthetic OUT_DIR [--docs 5000] [--queries 1000] [--seed 0] ...

See `python -m mme_data.synthetic --help` for every option.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields

from mme_data.synthetic.generate import SyntheticConfig, generate


def main(argv: list[str] | None = None) -> int:
    defaults = SyntheticConfig()
    parser = argparse.ArgumentParser(
        prog="python -m mme_data.synthetic",
        description="Generate the synthetic interleaved how-to benchmark.",
    )
    parser.add_argument("out_dir", help="directory to create (must be empty or absent unless --overwrite)")
    for field in fields(SyntheticConfig):
        parser.add_argument(
            f"--{field.name.replace('_', '-')}", type=int, default=getattr(defaults, field.name)
        )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing generated benchmark")
    args = parser.parse_args(argv)
    try:
        config = SyntheticConfig(**{f.name: getattr(args, f.name) for f in fields(SyntheticConfig)})
        report = generate(args.out_dir, config, overwrite=args.overwrite)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(
        f"wrote {report.docs} docs, {report.queries} queries, "
        f"{report.train} train and {report.dev} dev triples, "
        f"{report.images} images ({report.bytes / 1e6:.1f} MB) to {report.out_dir} in {report.seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
