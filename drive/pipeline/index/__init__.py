"""Upkeep of an owner's own vector index (see ``drive.store.owner_index``)."""
