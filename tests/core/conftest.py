import pytest


@pytest.fixture(autouse=True)
def _pure_python(no_language):
    """These modules are pure Python (no Django): their messages carry both languages."""
