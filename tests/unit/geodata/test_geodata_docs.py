"""The Examples in the geodata docstrings run and say what the code does."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import geodata

MODULES = ["geodata"] + [f"geodata.{m.name}" for m in pkgutil.iter_modules(geodata.__path__)]


# restore_settings: some examples call configure(), as a reader would.
@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, restore_settings):
    module = importlib.import_module(name)
    failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failed == 0


def test_no_example_is_skipped():
    # A skipped example is never checked, so it can drift from the truth unseen.
    for name in MODULES:
        module = importlib.import_module(name)
        for test in doctest.DocTestFinder().find(module):
            for example in test.examples:
                assert not example.options.get(doctest.SKIP), f"{test.name}: {example.source}"


def test_public_names_are_exported():
    assert sorted(geodata.__all__) == sorted(set(geodata.__all__))
    for name in geodata.__all__:
        assert getattr(geodata, name) is not None
