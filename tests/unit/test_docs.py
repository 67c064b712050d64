"""The README documents every setting a person can give (docs kept honest, as datasette does)."""

from __future__ import annotations

from pathlib import Path

from drive.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_environment_setting_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    names = [f.validation_alias for f in Settings.model_fields.values() if isinstance(f.validation_alias, str)]
    assert len(names) > 20
    assert [n for n in names if f"`{n}`" not in text] == []
