"""Real OpenSearch nodes for the tests, started by scripts/opensearch (see opensearch/README.md).

A session-scoped fixture calls node_url(): OPENSEARCH_URL when it is set and answers, else the
node named `test` (http 9250, transport 9350), started on first use and stopped when the test
process exits. The rest is for tests that want nodes of their own:

    url = start("n1", 9270, 9370)
    urls = start_cluster([("c1", 9260, 9360), ("c2", 9261, 9361)])
    kill9("c2"); wait_for_status(urls[0], "yellow", 60, nodes=1); stop("c1")
"""

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "opensearch"
VAR = REPO / "var" / "opensearch"
# Not 9200/9300: a developer's own node (make opensearch) is left alone.
TEST_NODE = ("test", 9250, 9350)
# The script's own wait is 120 s; the first start also builds the launcher (Maven downloads).
SCRIPT_TIMEOUT = 900


class NodeError(RuntimeError):
    """A node did not start or stop, or answered with an error."""


def start(name, http_port, transport_port, seed_hosts=(), initial_nodes=()):
    """Start a node (or find it running) and return its URL once it is at least yellow.

    Without seed_hosts it is a single-node cluster. A new multi-node cluster only forms once all
    of its initial_nodes are up: start those together, with start_cluster.
    """
    command = [str(SCRIPT), "start", "--name", name]
    command += ["--http-port", str(http_port), "--transport-port", str(transport_port)]
    if seed_hosts:
        command += ["--seed-hosts", ",".join(seed_hosts)]
    if initial_nodes:
        command += ["--initial-nodes", ",".join(initial_nodes)]
    try:
        done = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=SCRIPT_TIMEOUT,
        )
    except subprocess.TimeoutExpired as error:
        raise NodeError(f"{' '.join(command[1:])} took over {SCRIPT_TIMEOUT} s") from error
    if done.returncode != 0:
        raise NodeError(
            f"scripts/opensearch {' '.join(command[1:])} failed (exit {done.returncode}):\n"
            + done.stderr[-5000:]
        )
    return done.stdout.strip()


def start_cluster(nodes, fresh=True):
    """Start the nodes [(name, http_port, transport_port), ...] of one cluster at once, each
    seeding all the others; return their URLs, in order, once the cluster is at least yellow.

    fresh: stop the nodes and empty their data first, so that a new cluster forms.
    """
    names = [name for name, _, _ in nodes]
    if fresh:
        for name in names:
            stop(name)
            shutil.rmtree(VAR / name / "data", ignore_errors=True)

    def start_one(node):
        name, http_port, transport_port = node
        seeds = [f"127.0.0.1:{port}" for other, _, port in nodes if other != name]
        return start(name, http_port, transport_port, seeds, names)

    with ThreadPoolExecutor(len(nodes)) as pool:
        return list(pool.map(start_one, nodes))


def stop(name):
    """Stop the node (SIGTERM, SIGKILL after 30 s); nothing if it is not running."""
    done = subprocess.run(
        [str(SCRIPT), "stop", "--name", name],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise NodeError(f"scripts/opensearch stop --name {name} failed:\n{done.stderr}")


def kill9(name):
    """kill -9 the node's JVM (by its pid file), and wait until it is gone."""
    pid = int((VAR / name / "opensearch.pid").read_text())
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while _alive(pid):
        if time.monotonic() > deadline:
            raise NodeError(f"{name} (pid {pid}) still alive 30 s after SIGKILL")
        time.sleep(0.1)


def request(method, url, body=None, ok=()):
    """An HTTP request to a node, returning its JSON answer; NodeError for an HTTP error status
    (but not for those listed in ok, whose JSON answer is returned)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        text = error.read().decode(errors="replace")
        if error.code in ok:
            return json.loads(text)
        raise NodeError(f"{method} {url}: {error.code} {text[:2000]}") from None


def health(url):
    """GET /_cluster/health: a dict with status, number_of_nodes, ..."""
    return request("GET", f"{url}/_cluster/health")


def wait_for_status(url, status, timeout, *, nodes=None):
    """Wait until the cluster is at least `status` (green counts as yellow), and has `nodes`
    nodes if given; return its health. TimeoutError after `timeout` seconds."""
    query = f"wait_for_status={status}&timeout=5s"
    if nodes is not None:
        query += f"&wait_for_nodes={nodes}"
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            # 408: still not there after 5 s; 503: no cluster manager (yet).
            last = request("GET", f"{url}/_cluster/health?{query}", ok=(408,))
            if not last["timed_out"]:
                return last
        except (NodeError, OSError) as error:
            last = error
            time.sleep(1)
    raise TimeoutError(f"{url} not {status} after {timeout} s: {last}")


_test_node_url = None
_test_node_failure = None


def node_url():
    """The URL of an OpenSearch node for the test session (see the module's docstring).

    When no node can be had: outside CI the calling test is skipped, loudly; with CI=true it
    fails, since CI must run every test.
    """
    global _test_node_url, _test_node_failure
    env_url = os.environ.get("OPENSEARCH_URL", "").rstrip("/")
    if env_url:
        try:
            health(env_url)
            return env_url
        except (NodeError, OSError) as error:
            print(f"OPENSEARCH_URL={env_url} does not answer ({error})", file=sys.stderr)
    if _test_node_url is None and _test_node_failure is None:
        name, http_port, transport_port = TEST_NODE
        try:
            if not _running(name):
                # A new node, so a new cluster: nothing left from an earlier session.
                shutil.rmtree(VAR / name / "data", ignore_errors=True)
                atexit.register(stop, name)
            _test_node_url = start(name, http_port, transport_port)
        except (NodeError, OSError) as error:
            _test_node_failure = str(error)
    if _test_node_failure is not None:
        unavailable(_test_node_failure)
    return _test_node_url


def unavailable(reason):
    """No node: pytest.fail under CI=true, else pytest.skip with a message that can't be missed."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"OpenSearch is not available, and CI must not skip: {reason}", pytrace=False)
    bar = "!" * 78
    pytest.skip(
        f"\n{bar}\nOPENSEARCH IS NOT AVAILABLE: THE OPENSEARCH TESTS ARE SKIPPED.\n{reason}\n"
        "Get a node with `make opensearch` (needs Java 17 and Maven) and "
        "export OPENSEARCH_URL=http://127.0.0.1:9200\n"
        f"{bar}"
    )


def _running(name):
    try:
        pid = int((VAR / name / "opensearch.pid").read_text())
    except (OSError, ValueError):
        return False
    return _alive(pid)


def _alive(pid):
    """The process exists and is no zombie (the JVM is not our child: nobody here reaps it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"
