"""What several test modules share: the fake worker, the wait helpers and the test API keys.

Imported as `support` (`from support.fakeworker import FakeWorker`): tests/ has no `__init__.py`, so
pytest's default import mode puts tests/ itself on sys.path when it loads tests/conftest.py, which is
how the sibling package `fakes` is found too. A package keeps these names out of the flat namespace
of tests/unit and tests/integration, whose module basenames must be unique.
"""
