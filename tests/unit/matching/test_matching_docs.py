"""The Examples in the matching docstrings run and say what the code does."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import matching

MODULES = ["matching"] + [f"matching.{m.name}" for m in pkgutil.iter_modules(matching.__path__)]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failed == 0


def test_public_names_are_exported():
    assert sorted(matching.__all__) == sorted(set(matching.__all__))
    for name in matching.__all__:
        assert getattr(matching, name) is not None
