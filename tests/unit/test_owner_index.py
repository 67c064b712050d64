"""When a user gets a vector index of their own, and when it goes away."""

from __future__ import annotations

import uuid

from drive.store.owner_index import Action, IndexState, decide, index_name


def test_a_large_user_among_others_gets_an_index_and_a_one_person_drive_does_not() -> None:
    assert decide(IndexState(100_000, 1_000_000, False, False), 50_000) is Action.CREATE
    assert decide(IndexState(900_000, 1_000_000, False, False), 50_000) is Action.NONE  # the shared index is theirs
    assert decide(IndexState(10_000, 1_000_000, False, False), 50_000) is Action.NONE  # sorted exactly, fast


def test_an_index_is_dropped_only_well_below_the_threshold() -> None:
    assert decide(IndexState(40_000, 1_000_000, True, True), 50_000) is Action.NONE
    assert decide(IndexState(24_999, 1_000_000, True, True), 50_000) is Action.DROP


def test_an_interrupted_build_is_redone_or_removed() -> None:
    assert decide(IndexState(100_000, 1_000_000, True, False), 50_000) is Action.REBUILD
    assert decide(IndexState(1_000, 1_000_000, True, False), 50_000) is Action.DROP


def test_the_index_name_fits_postgresql_and_names_the_owner() -> None:
    owner = uuid.uuid4()
    assert len(index_name(owner)) <= 63 and owner.hex in index_name(owner)
