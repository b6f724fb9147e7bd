"""Each service's exceptions form one tree, drawn in its errors module: catching the base catches every
exception the service defines."""

from __future__ import annotations

import inspect

import pytest

from agent_service import errors as worker_errors
from backend import errors as gateway_errors

TREES = [(gateway_errors, gateway_errors.GatewayError), (worker_errors, worker_errors.WorkerError)]


def _defined(module) -> dict[str, type]:
    return {
        name: cls
        for name, cls in vars(module).items()
        if inspect.isclass(cls) and issubclass(cls, BaseException) and cls.__module__ == module.__name__
    }


@pytest.mark.parametrize(("module", "base"), TREES)
def test_every_exception_a_service_defines_is_under_its_base(module, base):
    assert len(_defined(module)) > 1
    assert [name for name, cls in _defined(module).items() if not issubclass(cls, base)] == []


@pytest.mark.parametrize(("module", "base"), TREES)
def test_the_tree_in_the_docstring_names_every_exception_the_module_defines(module, base):
    assert [name for name in _defined(module) if name not in module.__doc__] == []
