"""Interleaved text-image search: the Gradio app (locally, or as a Hugging Face Space).

    python app.py                                   # offline: shipped demo model + demo collection
    python app.py --model Alibaba-NLP/gme-Qwen2-VL-2B-Instruct --collection ~/notes
    python app.py --model Qwen/Qwen3-VL-Embedding-2B --collection ~/notes    # GPU recommended
    MME_MODEL=... MME_ADAPTER=... MME_INDEX=... python app.py
    gradio app.py                                   # reload mode: the model loads once, not per edit

Search is also an API endpoint:
    from gradio_client import Client, handle_file
    Client("http://127.0.0.1:7860/").predict(["my sink after", handle_file("sink.jpg"), "what next?"],
                                             3, 10, api_name="/search")
"""

from __future__ import annotations

import sys

try:  # a ZeroGPU Space needs `spaces` imported before torch touches CUDA; elsewhere it does nothing
    import spaces  # noqa: F401
except ImportError:
    pass

import gradio as gr  # noqa: E402

from webapp import build_demo, launch_options, load_app, parse_config  # noqa: E402

__all__ = ["build_demo", "demo"]

if gr.NO_RELOAD:  # skipped when Gradio's reload mode re-executes this file after an edit
    # `gradio app.py -- --model X` hands the app its own arguments after `--`.
    APP_ARGS = sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else sys.argv[1:]
    CONFIG = parse_config(APP_ARGS)
    LOADED = load_app(CONFIG)

demo = build_demo(LOADED.searcher, LOADED.encoder, LOADED.options)

if __name__ == "__main__":
    demo.queue(default_concurrency_limit=2).launch(
        server_name=CONFIG.host,
        server_port=CONFIG.port,
        # The largest upload is a collection zip; query images are held to their own, smaller limit
        # (webapp.query.MAX_IMAGE_BYTES) by the composer and again by the server.
        max_file_size=LOADED.options.zip_limits.max_zip_bytes,
        show_error=True,
        **launch_options(),
    )
