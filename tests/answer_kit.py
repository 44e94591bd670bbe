"""Hand-made retrieved passages and the answerer as the service runs it, for the answer
tests (no store, no model)."""
from rag.answering.answer import ExtractiveAnswerer
from rag.answering.asked import Asked
from rag.answering.sentences import Sentence
from rag.config import Settings
from rag.retrieval.glossary import load_glossary
from rag.retrieval.query import plan
from rag.types import RetrievedPassage


def passage(i, text, start=0, score=0.9, published="2023-10-04", lang="id", title="T"):
    return RetrievedPassage(passage_id=f"a{i}:0", article_id=f"a{i}", title=title, outlet="O",
                            url="https://o.example/x", published=published, language=lang,
                            text=text, start=start, end=start + len(text), score=score)


def answerer(**kw):
    return ExtractiveAnswerer(Settings(_env_file=None, **kw))


def ask(question, passages):
    """The answer as the service gives it: with the question's plan (glossary expansion)."""
    return answerer().answer(question, passages, plan=plan(question, load_glossary()))


def leads(question, passages, opening):
    """``ask``, checked to answer and to lead with the sentence opening with ``opening``."""
    ans = ask(question, passages)
    assert ans.found and ans.answer.startswith(opening), ans.answer
    return ans


def asked(question, lang="en"):
    """What ``question`` asks for, as the answerer works it out."""
    return Asked.of(question, lang, load_glossary())


def sentence(text, lang="en"):
    """A lone sentence to judge with ``Asked`` (no passage behind it)."""
    return Sentence(0, 0, len(text), text, set(), lang)
