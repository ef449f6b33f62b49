"""Fixtures of the browser suite: the integration suite's own, reused as they are.

Why: the dashboard test needs exactly what tests/integration gives every test (an isolated
topic prefix and database on the shared Kafka and PostgreSQL, herald-stage processes from a
config written in Python, stage logs on failure). Loading that conftest under another module
name registers its fixtures and hook here without copying them.
"""
import importlib.util
import sys
from pathlib import Path

INTEGRATION = Path(__file__).resolve().parents[1] / "integration"
sys.path.insert(0, str(INTEGRATION))

_spec = importlib.util.spec_from_file_location("herald_integration_conftest",
                                               INTEGRATION / "conftest.py")
_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conftest)

herald_services = _conftest.herald_services
herald = _conftest.herald
free_port = _conftest.free_port
pytest_runtest_makereport = _conftest.pytest_runtest_makereport
