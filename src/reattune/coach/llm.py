"""The optional language-model rewriter, for operators who run an OpenAI-compatible server
they control (llama.cpp's ``llama-server``, Ollama, vLLM…).

Off by default: nothing here runs unless a :class:`LLMRewriter` is passed to
``coach.review`` (the CLI builds one only from ``--llm-url`` or ``REATTUNE_LLM_URL``). Its
proposals are candidates like the rules' ones: ``review`` keeps one only when the engine
re-scores it as meeting the guarantees of :mod:`reattune.coach.rewrite` and the safety gate
does not flag it; otherwise the deterministic rewriter's rewrites are shown. A server that
fails, times out or answers nonsense yields no candidates (never an exception at the user);
the reason, without any text, is kept in :attr:`LLMRewriter.last_error`.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from reattune.coach.rewrite import Candidate, CodedDraft
from reattune.coach.terms import terms
from reattune.errors import RewriterError

ENV_URL = "REATTUNE_LLM_URL"
ENV_MODEL = "REATTUNE_LLM_MODEL"
ENV_KEY = "REATTUNE_LLM_API_KEY"
MAX_RESPONSE_BYTES = 200_000

SYSTEM = (
    "You help one partner in a couple rewrite a message before sending it. Keep the "
    "writer's meaning and every name, time and topic. Replace blame with an I-statement and "
    "the need underneath it, ask at most one concrete question, name the pattern ('I think "
    "we're in our loop again') instead of attacking the person, and add a return time to a "
    "postponement. Add at most one sentence. Answer only with JSON: "
    '{"rewrites": ["...", "..."]}, best first.'
)


@dataclass(frozen=True, slots=True)
class LLMSettings:
    """Where the server is: ``base_url`` such as ``http://127.0.0.1:8080/v1``."""

    base_url: str
    model: str = "local"
    api_key: str | None = None
    timeout: float = 10.0
    alternatives: int = 2

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RewriterError(
                "the language-model URL is not an http(s) address",
                expected="for example http://127.0.0.1:8080/v1",
            )
        if not 0 < self.timeout <= 120:
            raise RewriterError("the time-out must be between 0 and 120 seconds")

    @staticmethod
    def from_env(environ: dict[str, str] | None = None) -> LLMSettings | None:
        """Settings from ``REATTUNE_LLM_URL`` (and ``_MODEL``, ``_API_KEY``), or ``None``."""
        env = os.environ if environ is None else environ
        url = env.get(ENV_URL)
        if not url:
            return None
        return LLMSettings(url, env.get(ENV_MODEL) or "local", env.get(ENV_KEY) or None)


def _prompt(draft: CodedDraft, n: int) -> str:
    found = sorted(
        {s.code for s in draft.spans if s.code.startswith(("pursue", "horseman", "withdraw"))}
    )
    keep = ", ".join(terms(draft.text).all) or "(none)"
    return (
        f"Message draft:\n{draft.text}\n\n"
        f"What the coding found: {', '.join(found) or 'nothing'}.\n"
        f"Words that must stay: {keep}.\n"
        f"Give {n} rewrites."
    )


def _parse(content: str) -> list[str]:
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return []
    items = data.get("rewrites") if isinstance(data, dict) else data
    if not isinstance(items, list):
        return []
    return [i.strip() for i in items if isinstance(i, str) and i.strip()]


class LLMRewriter:
    """Asks ``/chat/completions`` of an OpenAI-compatible server for rewrites."""

    def __init__(self, settings: LLMSettings) -> None:
        self.settings = settings
        self.last_error: str | None = None

    @property
    def name(self) -> str:
        return f"llm/{self.settings.model}"

    def _request(self, body: dict[str, Any]) -> dict[str, Any]:
        url = self.settings.base_url.rstrip("/") + "/chat/completions"
        headers = {"Content-Type": "application/json"}
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key}"
        req = urllib.request.Request(
            url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST"
        )
        with urllib.request.urlopen(req, timeout=self.settings.timeout) as resp:
            raw = resp.read(MAX_RESPONSE_BYTES + 1)
        if len(raw) > MAX_RESPONSE_BYTES:
            raise ValueError("response too large")
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return data

    def propose(self, draft: CodedDraft) -> list[Candidate]:
        self.last_error = None
        body = {
            "model": self.settings.model,
            "temperature": 0.3,
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": _prompt(draft, self.settings.alternatives)},
            ],
        }
        try:
            data = self._request(body)
            content = data["choices"][0]["message"]["content"]
            if not isinstance(content, str):
                raise TypeError("content is not text")
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            self.last_error = f"server unreachable or failed ({type(exc).__name__})"
            return []
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            self.last_error = f"unexpected answer from the server ({type(exc).__name__})"
            return []
        texts = _parse(content)
        if not texts:
            self.last_error = "the server's answer held no rewrites"
        return [Candidate(t, "model", ("rewritten by the language model",)) for t in texts]
