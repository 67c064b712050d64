"""Entity resolution, pure: which mentions name the same thing.

An entity's identity is (label, key). ``normalize`` folds the spelling variants of one name
("Acme Corp." = "ACME Corporation" = "Acme's" -> "acme"); ``resolve_file`` then lets a short
form ("Holmes") join the one longer name of the same label in the same file that contains it
("sherlock holmes"). Labels are never crossed: PERSON "Jordan" and GPE "Jordan" stay apart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from drive.names import normalize
from drive.records import MentionRecord, ResolvedMention


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    """True if ``shorter`` is a contiguous run of ``longer``'s words."""
    n = len(shorter)
    return any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))


def _roots(keys: Iterable[str]) -> dict[str, str]:
    """Map each key of one label to the key it merges into (itself when no unique longer form)."""
    split = {k: tuple(k.split()) for k in set(keys)}
    # Longest first, so a candidate's own root is final before shorter keys look at it.
    ordered = sorted(split, key=lambda k: (-len(split[k]), k))
    root: dict[str, str] = {}
    by_word: dict[str, list[str]] = defaultdict(list)  # word -> keys already rooted that contain it
    for key in ordered:
        words = split[key]
        candidates = {
            root[other]
            for other in by_word.get(words[0], ())
            if len(split[other]) > len(words) and _contains(split[other], words)
        }
        for word in set(words):
            by_word[word].append(key)
        short_enough = len(key.replace(" ", "")) >= 2
        root[key] = candidates.pop() if len(candidates) == 1 and short_enough else key
    return root


def resolve_file(mentions: list[MentionRecord]) -> list[ResolvedMention]:
    """Resolve all mentions of one file; the result is in input order, one per mention.

    Deterministic and independent of the order of ``mentions``. Mentions whose name has no
    word character at all get an empty key; callers should drop those.
    """
    keys = [normalize(m.surface, m.label) for m in mentions]
    by_label: dict[str, set[str]] = defaultdict(set)
    for mention, key in zip(mentions, keys, strict=True):
        if key:
            by_label[mention.label].add(key)
    roots = {label: _roots(label_keys) for label, label_keys in by_label.items()}
    return [
        ResolvedMention(mention=m, key=roots[m.label][k] if k else k)
        for m, k in zip(mentions, keys, strict=True)
    ]
