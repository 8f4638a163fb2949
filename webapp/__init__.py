"""The Gradio app: page layout, handler helpers, start-up. Imports point down: indexer, mme_core."""

from __future__ import annotations

from .layout import AppOptions, build_demo, launch_options
from .startup import AppConfig, LoadedApp, load_app, parse_config

__all__ = ["AppConfig", "AppOptions", "LoadedApp", "build_demo", "launch_options", "load_app", "parse_config"]
