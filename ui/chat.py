"""The Gradio web UI: ask a question, read the cited answer. Callbacks only translate.

The full UI (streaming chat, sources, tracker) grows here in issue 6.
"""
from __future__ import annotations

import gradio as gr

from rag.service import PantauService

from .render import render_answer

EXAMPLES = [
    "Kapan TikTok Shop menghentikan layanannya?",
    "What does Permendag 31/2023 require of social commerce?",
    "Berapa persen saham Tokopedia yang diambil TikTok?",
    "What is TikTok Shop's status now?",
]


def build_ui(service: PantauService) -> gr.Blocks:
    """A Blocks app over ``service``; mounted at / by ``app.create_app``."""

    def ask(question: str) -> str:
        question = (question or "").strip()
        if not question:
            return "<p>Tulis pertanyaan / type a question.</p>"
        return render_answer(service.ask(question))

    with gr.Blocks(title="Pantau") as ui:
        gr.Markdown("## Pantau\nTanya jawab regulasi dengan sumber · "
                    "Regulation questions, answered with citations")
        with gr.Row():
            question = gr.Textbox(label="Pertanyaan / Question", scale=5, autofocus=True,
                                  placeholder=EXAMPLES[0], elem_id="pantau-question")
            button = gr.Button("Tanya / Ask", variant="primary", scale=1,
                               elem_id="pantau-ask")
        gr.Examples(EXAMPLES, inputs=question)
        output = gr.HTML(elem_id="pantau-output")
        question.submit(ask, question, output, api_name="ask")
        button.click(ask, question, output, api_name=False)
    return ui
