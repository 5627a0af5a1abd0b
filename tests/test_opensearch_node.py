"""A real OpenSearch node and a two-node cluster, from Maven's jars (scripts/opensearch)."""

import pytest

from tests import opensearch_node as node


@pytest.fixture(scope="module")
def url():
    return node.node_url()


def test_node_splits_chinese_into_bigrams(url):
    assert node.health(url)["status"] in {"green", "yellow"}
    index = f"{url}/test-cjk-bigrams"
    node.request("DELETE", index, ok=(404,))
    analysis = {
        "analyzer": {
            "bigrams": {
                "type": "custom",
                "tokenizer": "standard",
                # Both filters come from the analysis-common plugin: creating the index fails
                # without it.
                "filter": ["cjk_width", "cjk_bigram"],
            }
        }
    }
    settings = {"number_of_shards": 1, "number_of_replicas": 0, "analysis": analysis}
    node.request("PUT", index, {"settings": settings})
    try:
        analyzed = node.request(
            "POST", f"{index}/_analyze", {"analyzer": "bigrams", "text": "陆海新通道"}
        )
        assert [token["token"] for token in analyzed["tokens"]] == ["陆海", "海新", "新通", "通道"]
    finally:
        node.request("DELETE", index)


CLUSTER = [("c1", 9260, 9360), ("c2", 9261, 9361)]


def test_cluster_keeps_answering_when_a_node_is_killed():
    ports = {name: (http_port, transport_port) for name, http_port, transport_port in CLUSTER}
    try:
        try:
            urls = dict(zip(ports, node.start_cluster(CLUSTER), strict=True))
        except node.NodeError as error:
            node.unavailable(str(error))
        any_url = urls["c1"]
        node.wait_for_status(any_url, "green", 60, nodes=2)
        shards = {"number_of_shards": 2, "number_of_replicas": 1}
        node.request("PUT", f"{any_url}/cluster-test", {"settings": shards})
        for n in range(10):
            node.request("PUT", f"{any_url}/cluster-test/_doc/{n}", {"title": f"文章 {n}"})
        node.request("POST", f"{any_url}/cluster-test/_refresh")
        node.wait_for_status(any_url, "green", 60, nodes=2)

        # Kill the node that is not the cluster manager. Of two cluster-manager-eligible nodes only
        # one votes (a voting configuration keeps an odd size), and that is the elected one: with
        # it gone the other could not elect itself, and the cluster would have no manager.
        [manager] = node.request("GET", f"{any_url}/_cat/cluster_manager?format=json")
        victim = "c2" if manager["node"] == "c1" else "c1"
        survivor = urls["c1" if victim == "c2" else "c2"]
        node.kill9(victim)

        after = node.wait_for_status(survivor, "yellow", 60, nodes=1)
        assert after["status"] == "yellow"  # the replicas have nowhere to go
        query = {"query": {"match": {"title": "文章"}}, "size": 0}
        found = node.request("POST", f"{survivor}/cluster-test/_search", query)
        assert found["hits"]["total"]["value"] == 10

        other = "c1" if victim == "c2" else "c2"
        node.start(
            victim,
            *ports[victim],
            seed_hosts=[f"127.0.0.1:{ports[other][1]}"],
            initial_nodes=list(ports),
        )
        assert node.wait_for_status(survivor, "green", 120, nodes=2)["number_of_nodes"] == 2
    finally:
        for name in ports:
            node.stop(name)
