"""Unit tests are pure functions: no database, no S3, no servers. Asking for one here fails the test
(put such a test in tests/integration), so ``pytest tests/unit`` always runs without a database."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def database_url() -> str:
    pytest.fail("unit tests use no database: move this test to tests/integration")


@pytest.fixture(scope="session")
def s3_endpoint() -> str:
    pytest.fail("unit tests use no S3 server: move this test to tests/integration")
