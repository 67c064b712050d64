"""ChatModel: the protocol in front of any LLM, and the factory that picks one from settings.

``OpenAIChatModel`` talks to any OpenAI-compatible endpoint through langchain-openai's
``ChatOpenAI`` (chat-completions API, temperature 0, streaming). Network trouble surfaces
as ``ModelUnavailable`` (transient); any other API failure as ``ModelError`` with a readable message
(see ``drive.errors`` for what callers do with each).
Token counting is never done locally (``get_num_tokens`` would download tiktoken files):
usage is read from what the endpoint reports, when it reports it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from drive.errors import ModelError, ModelUnavailable

if TYPE_CHECKING:
    from drive.settings import Settings

# Local servers (llama.cpp, vLLM, Ollama...) accept any key; the OpenAI client insists on one.
_DUMMY_API_KEY = "not-needed"


@dataclass(frozen=True)
class Message:
    role: Literal["system", "user", "assistant"]
    content: str


class ChatModel(Protocol):
    """An LLM; implementations: OpenAI-compatible endpoint (langchain-openai), fakes in tests."""

    name: str

    def complete(self, messages: list[Message]) -> str: ...

    def stream(self, messages: list[Message]) -> Iterator[str]: ...


@dataclass(frozen=True)
class TokenUsage:
    """Tokens used by one call, as reported by the endpoint."""

    input_tokens: int
    output_tokens: int
    total_tokens: int


class OpenAIChatModel:
    """A ChatModel backed by ``langchain_openai.ChatOpenAI``; the client is built on first use.

    ``last_usage`` holds the token usage of the latest finished call, or None when the
    endpoint did not report any (many local servers do not report usage while streaming).
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
        stream_usage: bool | None = None,
    ) -> None:
        self.name = model
        self.base_url = base_url
        self.last_usage: TokenUsage | None = None
        self._api_key = api_key or _DUMMY_API_KEY
        self._timeout = timeout
        self._max_retries = max_retries
        # None: langchain's default (usage while streaming only against api.openai.com).
        self._stream_usage = stream_usage
        self._client: Any = None
        self._client_lock = threading.Lock()  # map-reduce calls from several threads at once

    def complete(self, messages: list[Message]) -> str:
        self.last_usage = None
        with _mapped_errors(self.name):
            # One plain request: the endpoint then always reports usage.
            reply = self._chat().invoke(_to_langchain(messages), stream=False)
        self.last_usage = _usage_of(reply)
        return _text_of(reply.content)

    def stream(self, messages: list[Message]) -> Iterator[str]:
        self.last_usage = None
        usage: TokenUsage | None = None
        with _mapped_errors(self.name):
            for chunk in self._chat().stream(_to_langchain(messages)):
                usage = _usage_of(chunk) or usage
                text = _text_of(chunk.content)
                if text:
                    yield text
        self.last_usage = usage

    def _chat(self) -> Any:
        with self._client_lock:
            if self._client is None:
                self._client = self._build_client()
        return self._client

    def _build_client(self) -> Any:
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            model=self.name,
            base_url=self.base_url,
            api_key=self._api_key,  # type: ignore[arg-type]
            temperature=0,
            streaming=True,
            stream_usage=self._stream_usage,
            timeout=self._timeout,
            max_retries=self._max_retries,
            # Local OpenAI-compatible servers implement chat completions, not the Responses API.
            use_responses_api=False,
        )


def make_chat_model(settings: Settings) -> ChatModel | None:
    """The configured LLM, or None when no endpoint is configured (offline, extractive answers)."""
    if not settings.llm_enabled:
        return None
    return OpenAIChatModel(
        settings.llm_model,
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key,
    )


# ---------------------------------------------------------------- helpers


def _to_langchain(messages: list[Message]) -> list[Any]:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return [kinds[m.role](content=m.content) for m in messages]


def _text_of(content: Any) -> str:
    """Message content is a string, or (some providers) a list of content blocks."""
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content or []:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "".join(parts)


def _usage_of(message: Any) -> TokenUsage | None:
    meta = getattr(message, "usage_metadata", None)
    if not meta:
        return None
    return TokenUsage(
        input_tokens=int(meta.get("input_tokens", 0)),
        output_tokens=int(meta.get("output_tokens", 0)),
        total_tokens=int(meta.get("total_tokens", 0)),
    )


@contextmanager
def _mapped_errors(model: str) -> Iterator[None]:
    """Turn client exceptions into the drive's: retryable ones into ModelUnavailable, the rest ModelError."""
    import httpx
    import openai

    try:
        yield
    except (openai.APIConnectionError, httpx.TransportError) as exc:  # includes timeouts
        raise ModelUnavailable(f"The connection to the language model failed ({type(exc).__name__}).") from exc
    except openai.RateLimitError as exc:
        raise ModelUnavailable("The language model is busy (rate limited); try again shortly.") from exc
    except openai.APIStatusError as exc:
        if exc.status_code >= 500:
            raise ModelUnavailable(f"The language model endpoint failed (HTTP {exc.status_code}).") from exc
        raise ModelError(f"The language model refused the request (HTTP {exc.status_code}): {exc.message}") from exc
    except openai.OpenAIError as exc:
        raise ModelError(f"The language model call to {model!r} failed: {exc}") from exc
