"""Embedders: the real int8 MiniLM (quality, shape, truncation, integrity check, threads) and the
OpenAI-compatible client against a local /embeddings endpoint."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from drive.errors import ConfigError
from drive.ml.embedder import (
    MINILM_DIM,
    MiniLmEmbedder,
    OpenAIEmbedder,
    embed_unique,
    make_embedder,
    measure_throughput,
    minilm_model_path,
)
from drive.settings import Settings


@pytest.fixture(scope="module")
def minilm() -> MiniLmEmbedder:
    return MiniLmEmbedder()


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_similar_sentences_are_close_and_unrelated_far(minilm: MiniLmEmbedder) -> None:
    food, bread, guitar = minilm.embed(
        ["A man is eating food.", "A man is eating a piece of bread.", "The new guitar sounds awful in the rain."]
    )
    assert cosine(food, bread) > 0.6
    assert cosine(food, guitar) < 0.3
    assert cosine(food, bread) > cosine(food, guitar) + 0.4


def test_vectors_are_unit_float32_rows_in_input_order(minilm: MiniLmEmbedder) -> None:
    texts = ["short", "a much longer sentence about quarterly revenue and budgets " * 5, "medium length text here"]
    rows = minilm.embed(texts)
    assert rows.shape == (3, MINILM_DIM) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    # Batched (sorted by length internally) or alone: each text keeps its own vector.
    for text, row in zip(texts, rows, strict=True):
        assert cosine(minilm.embed([text])[0], row) > 0.999
    assert minilm.embed([]).shape == (0, MINILM_DIM)


def test_long_text_is_truncated_not_rejected(minilm: MiniLmEmbedder) -> None:
    head = "The archive holds letters from the harbour office about shipping schedules. " * 40
    a, b = minilm.embed([head + "Completely different ending about cats.", head + "Nothing alike: rockets."])
    assert cosine(a, b) > 0.999  # both endings lie beyond the 256-token window


def test_tampered_model_file_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "model.onnx"
    data = bytearray(minilm_model_path().read_bytes())
    data[-1] ^= 0xFF
    copy.write_bytes(bytes(data))
    with pytest.raises(ConfigError, match="sha256"):
        MiniLmEmbedder(model_path=copy).embed(["hello"])
    with pytest.raises(ConfigError, match="not found"):
        MiniLmEmbedder(model_path=tmp_path / "missing.onnx").embed(["hello"])


def test_one_instance_shared_by_threads_gives_the_same_vectors() -> None:
    fresh = MiniLmEmbedder()  # not loaded yet: the threads race to load it
    texts = [f"Invoice {n} for the office move to Leeds" for n in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda t: fresh.embed([t])[0], texts))
    assert np.allclose(np.stack(results), fresh.embed(texts), atol=1e-4)


def test_throughput_measurement_reports_chunks_per_second(minilm: MiniLmEmbedder) -> None:
    rate = measure_throughput(minilm, n=8, words=200)
    assert rate > 0  # a rate, whatever the machine: speed itself is bench/ingest.py's to measure


def test_factory_picks_by_name_and_lists_choices_otherwise() -> None:
    assert isinstance(make_embedder(Settings(embedder="minilm")), MiniLmEmbedder)
    assert isinstance(make_embedder(Settings(embedder="openai", llm_api_key="k")), OpenAIEmbedder)
    with pytest.raises(ConfigError, match="minilm.*openai"):
        make_embedder(Settings(embedder="word2vec"))


# ---------------------------------------------------------------- OpenAI-compatible endpoint


class EmbeddingsEndpoint:
    """A local ``/v1/embeddings``: the vector of each input is its word count in slot 0 plus ones."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.requests: list[dict[str, Any]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                endpoint.requests.append(body)
                data = [
                    {"object": "embedding", "index": i, "embedding": [float(len(t.split()))] + [1.0] * (endpoint.dim - 1)}
                    for i, t in enumerate(body["input"])
                ]
                payload = json.dumps({"object": "list", "data": data, "model": body["model"],
                                      "usage": {"prompt_tokens": 1, "total_tokens": 1}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"


@pytest.fixture
def endpoint() -> Iterator[EmbeddingsEndpoint]:
    ep = EmbeddingsEndpoint(dim=8)
    ep.thread.start()
    yield ep
    ep.server.shutdown()
    ep.server.server_close()


def test_openai_embedder_sends_raw_text_and_normalises(endpoint: EmbeddingsEndpoint) -> None:
    settings = Settings(embedder="openai", embedding_model="emb-small", embedding_dim=8,
                        llm_base_url=endpoint.base_url, llm_api_key="secret")
    embedder = make_embedder(settings)
    rows = embedder.embed(["one two three", "four"])
    assert rows.shape == (2, 8) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-6)
    assert rows[0, 0] > rows[1, 0]  # three words vs one, after normalising
    request = endpoint.requests[0]
    assert request["input"] == ["one two three", "four"]  # strings, not tiktoken ids
    assert request["model"] == "emb-small" and request["dimensions"] == 8


def test_openai_embedder_rejects_wrong_dimension(endpoint: EmbeddingsEndpoint) -> None:
    embedder = OpenAIEmbedder(model="emb-small", dim=16, base_url=endpoint.base_url, api_key="secret")
    with pytest.raises(ConfigError, match="dimension"):
        embedder.embed(["hello"])


def test_a_repeated_passage_is_embedded_once_and_every_row_is_its_vector(minilm: MiniLmEmbedder) -> None:
    asked: list[list[str]] = []

    class Counting:
        name, dim = minilm.name, minilm.dim

        def embed(self, texts: list[str]) -> np.ndarray:
            asked.append(list(texts))
            return minilm.embed(texts)

    texts = ["Page 3 of 9", "The lease ends in May.", "Page 3 of 9", "Rent is due monthly.", "Page 3 of 9"]
    rows = embed_unique(Counting(), texts)
    assert asked == [["Page 3 of 9", "The lease ends in May.", "Rent is due monthly."]]
    assert rows.shape == (5, MINILM_DIM)
    np.testing.assert_allclose(rows, minilm.embed(texts), atol=1e-6)
