"""pytest wiring for the security suite: the same `herald` fixture as the integration tests.

Why: the security tests need exactly what the integration tests have (isolated topics and
database, real herald-stage processes, sanitizer reports failing a test), so they reuse
tests/integration/conftest.py instead of copying it. It is loaded under another module name
(two modules called `conftest` would clash) and its fixtures and hook re-exported here.
"""
import importlib.util
import sys
from pathlib import Path

_INTEGRATION = Path(__file__).resolve().parents[1] / "integration"
sys.path.insert(0, str(_INTEGRATION))
sys.path.insert(0, str(Path(__file__).resolve().parent))

_spec = importlib.util.spec_from_file_location("herald_integration_conftest",
                                               _INTEGRATION / "conftest.py")
_integration = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_integration)

herald_services = _integration.herald_services
herald = _integration.herald
free_port = _integration.free_port
pytest_runtest_makereport = _integration.pytest_runtest_makereport
