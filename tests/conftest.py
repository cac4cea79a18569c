import os

import pytest
from hypothesis import HealthCheck, settings

import embodb

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60
)
settings.register_profile("slow", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=400)
settings.load_profile(os.environ.get("EMBODB_HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def db_path(tmp_path):
    return str(tmp_path / "db")


@pytest.fixture
def db(db_path):
    """An open database with the default options, closed after the test."""
    with embodb.connect(db_path) as d:
        yield d
