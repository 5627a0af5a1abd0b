"""run_indexer gives way to the readers: it lowers its own CPU priority before it starts."""

import io

import pytest
from django.core.management import call_command

from search.management.commands import run_indexer


@pytest.fixture
def niced(monkeypatch):
    """The increments run_indexer asked of os.nice; the indexer itself returns at once."""
    calls = []
    monkeypatch.setattr(run_indexer.os, "nice", calls.append)
    monkeypatch.setattr(run_indexer.Indexer, "run", lambda self, stop=None: None)
    return calls


@pytest.mark.django_db
def test_the_indexer_lowers_its_priority_by_the_setting(niced, settings, search_index):
    settings.INDEXER_NICENESS = 7
    call_command("run_indexer", stdout=io.StringIO())
    assert niced == [7]


@pytest.mark.django_db
def test_the_command_line_overrides_the_setting_and_zero_keeps_the_priority(
    niced, settings, search_index
):
    settings.INDEXER_NICENESS = 7
    call_command("run_indexer", niceness=3, stdout=io.StringIO())
    call_command("run_indexer", niceness=0, stdout=io.StringIO())
    assert niced == [3]
