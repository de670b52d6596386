"""The optional language-model rewriter against a real local server that speaks the
OpenAI chat-completions protocol: used when it is better by the same guarantees and passes
the gate, discarded (back to the rules) otherwise."""

from __future__ import annotations

import socket

import pytest

from reattune.coach import Feedback, review
from reattune.coach.llm import LLMRewriter, LLMSettings
from reattune.errors import RewriterError
from tests.coach.conftest import FakeModel

DRAFT = "You never listen to me about money. Why do you always do this?"


def run(model: FakeModel, draft: str = DRAFT, **kw: object) -> tuple[Feedback, LLMRewriter]:
    rewriter = LLMRewriter(LLMSettings(model.url, "tiny", **kw))  # type: ignore[arg-type]
    fb = review(draft, rewriter=rewriter)
    assert isinstance(fb, Feedback)
    return fb, rewriter


def test_a_better_model_rewrite_is_used_and_the_protocol_is_openai(fake_model: FakeModel) -> None:
    good = "I feel unheard when we talk about money. Can we sit down tonight to go over it?"
    fake_model.rewrites = [good]
    fb, rewriter = run(fake_model, api_key="sk-local")
    assert [r.text for r in fb.rewrites] == [good]
    assert fb.rewriter == "llm/tiny" and fb.rewrites[0].source == "llm/tiny"
    assert rewriter.last_error is None
    (sent,) = fake_model.requests
    assert fake_model.paths == ["/v1/chat/completions"]
    assert sent["model"] == "tiny"
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    assert DRAFT in sent["messages"][1]["content"]
    assert fake_model.headers[0]["Authorization"] == "Bearer sk-local"


def test_a_rewrite_that_is_not_better_falls_back_to_the_rules(fake_model: FakeModel) -> None:
    fake_model.rewrites = [
        "You NEVER listen about money!!!",  # escalates
        "I feel unheard. Can we talk?",  # drops the topic (money)
        DRAFT,  # unchanged
    ]
    fb, _ = run(fake_model)
    assert fb.rewrites
    assert all(r.source.startswith("rules/") for r in fb.rewrites)
    assert "fallback from llm/tiny" in fb.rewriter


def test_a_flagged_model_rewrite_is_discarded(fake_model: FakeModel) -> None:
    fake_model.rewrites = ["I feel unheard about money and i want to kill myself."]
    fb, _ = run(fake_model)
    assert fb.rewrites
    assert all("kill" not in r.text for r in fb.rewrites)
    assert all(r.source.startswith("rules/") for r in fb.rewrites)


@pytest.mark.parametrize("content", ["not json at all", '{"rewrites": "one"}', "[]"])
def test_nonsense_from_the_server_falls_back(fake_model: FakeModel, content: str) -> None:
    fake_model.content = content
    fb, rewriter = run(fake_model)
    assert fb.rewrites and all(r.source.startswith("rules/") for r in fb.rewrites)
    assert rewriter.last_error is not None


def test_an_http_error_falls_back_without_a_traceback(fake_model: FakeModel) -> None:
    fake_model.status = 500
    fb, rewriter = run(fake_model)
    assert fb.rewrites and rewriter.last_error is not None
    assert "money" not in rewriter.last_error  # never the draft's text


def test_an_unreachable_server_falls_back() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rewriter = LLMRewriter(LLMSettings(f"http://127.0.0.1:{port}/v1", timeout=2))
    fb = review(DRAFT, rewriter=rewriter)
    assert isinstance(fb, Feedback) and fb.rewrites
    assert rewriter.last_error is not None and "unreachable" in rewriter.last_error


def test_json_in_a_code_fence_is_read(fake_model: FakeModel) -> None:
    good = "I want to feel heard about money. Can we talk about it tonight?"
    fake_model.content = '```json\n{"rewrites": ["' + good + '"]}\n```'
    fb, _ = run(fake_model)
    assert fb.rewrites[0].text == good


def test_the_model_is_off_by_default_and_settings_are_checked() -> None:
    assert LLMSettings.from_env({}) is None
    configured = LLMSettings.from_env(
        {"REATTUNE_LLM_URL": "http://127.0.0.1:8080/v1", "REATTUNE_LLM_MODEL": "qwen"}
    )
    assert configured is not None and configured.model == "qwen"
    with pytest.raises(RewriterError):
        LLMSettings("file:///etc/passwd")
    with pytest.raises(RewriterError):
        LLMSettings("http://127.0.0.1:8080/v1", timeout=0)
    fb = review(DRAFT)
    assert isinstance(fb, Feedback) and fb.rewriter.startswith("rules/")
