"""Losing a node: the archive's search keeps answering, the same, while a node is gone.

Two OpenSearch nodes form one cluster; the archive's index has 2 shards with 1 replica each.
One node is killed with kill -9 while searches run through the site's own search
(search.searching.run, through haystack and the OpenSearch backend, whose client knows both
nodes). Every search must answer, with the results it gave before; the node then rejoins and
the cluster goes back to green.
"""

import datetime

import pytest

from articles.importer import Importer
from search import searching
from search.indexer import Indexer
from tests import opensearch_node as node
from tests.conftest import SEED_DATE, SEED_PATH
from tests.search.test_behaviour import TABLE

pytestmark = pytest.mark.slow

NODES = [("c1", 9260, 9360), ("c2", 9261, 9361)]
USING = "opensearch_cluster"


@pytest.fixture
def cluster():
    """{name: url} of a fresh two-node cluster, stopped at the end."""
    try:
        try:
            urls = dict(zip([name for name, _, _ in NODES], node.start_cluster(NODES), strict=True))
        except node.NodeError as error:
            node.unavailable(str(error))
        node.wait_for_status(urls["c1"], "green", 60, nodes=2)
        yield urls
    finally:
        for name, _, _ in NODES:
            node.stop(name)


def answers(queries):
    """{query: (count, ids)} through the site's search on the cluster."""
    found = {}
    for q, params in queries:
        form = searching.SearchForm({"q": q, **params})
        assert form.is_valid(), form.errors
        outcome = searching.run(form.params(), page_size=500, using=USING)
        found[q, tuple(sorted(params.items()))] = (outcome.count, {hit.pk for hit in outcome.hits})
    return found


def test_searching_survives_losing_a_node(db, cluster, tmp_path):
    from bench.corpus import generate

    corpus = generate(150, tmp_path / "corpus")
    for path in sorted(corpus.path.glob("*.txt")):
        Importer(datetime.date.fromisoformat(path.stem)).import_file(path)
    Importer(SEED_DATE).import_file(SEED_PATH)
    Indexer(USING).rebuild()
    node.wait_for_status(cluster["c1"], "green", 60, nodes=2)  # every shard has its replica
    queries = [(q.q, q.params) for q in corpus.queries] + [(q, {}) for q, _ in TABLE]
    before = answers(queries)
    assert sum(count for count, _ids in before.values()) > 0

    # Kill the node that is not the cluster manager: of two manager-eligible nodes only the
    # elected one votes, and without it the other could not elect itself.
    [manager] = node.request("GET", f"{cluster['c1']}/_cat/cluster_manager?format=json")
    victim = "c2" if manager["node"] == "c1" else "c1"
    survivor = cluster["c1" if victim == "c2" else "c2"]
    node.kill9(victim)
    for _round in range(3):  # while the cluster notices, and after
        assert answers(queries) == before
    assert node.wait_for_status(survivor, "yellow", 60, nodes=1)["status"] == "yellow"
    assert answers(queries) == before

    ports = {name: (http_port, transport_port) for name, http_port, transport_port in NODES}
    other = next(name for name in ports if name != victim)
    node.start(
        victim,
        *ports[victim],
        seed_hosts=[f"127.0.0.1:{ports[other][1]}"],
        initial_nodes=list(ports),
    )
    assert node.wait_for_status(survivor, "green", 120, nodes=2)["number_of_nodes"] == 2
    assert answers(queries) == before
