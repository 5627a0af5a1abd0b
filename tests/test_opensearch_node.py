"""A real OpenSearch node, from Maven's jars (scripts/opensearch); the two-node cluster is in
tests/search/test_opensearch_cluster.py."""

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
