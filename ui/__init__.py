"""The Gradio web UI over PantauService: chat (ui.chat), sources (ui.sources), tracker
(ui.tracker), labels in Indonesian and English (ui.i18n), HTML rendering (ui.render, no
Gradio). ``build_ui(service)`` (ui.layout) builds the page that app.py mounts at /."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing gradio is slow: ui.render and ui.i18n must not need it
    import gradio as gr

    from rag.service import PantauService


def build_ui(service: "PantauService") -> "gr.Blocks":
    """The Blocks app over ``service`` (see ui.layout.build_ui)."""
    from .layout import build_ui as build

    return build(service)


def theme() -> "gr.themes.Base":
    """The page's theme (see ui.layout.theme)."""
    from .layout import theme as make

    return make()
