"""The documented API, checked against its own description: /api/openapi.json.

The description is validated as OpenAPI 3.1 (openapi-spec-validator), and schemathesis sends
every documented operation requests generated from it (a bounded fuzz: EXAMPLES per operation,
about 200 in all in CI), through the WSGI application, on the seed archive. Every answer must
not be a server error, must use a documented status code and content type, and must match its
documented schema. Invalid parameters are not refused (the API ignores them and says so in
"errors"), so schemathesis's negative-data checks do not apply.
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from search.openapi import description

EXAMPLES = 35 if os.environ.get("CI") == "true" else 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
UNLIMITED = {name: "100000/s" for name in ("search", "api", "kwic", "export")}


def test_the_description_is_valid_openapi(client, db):
    description = client.get("/api/openapi.json").json()
    validate(description)
    assert description["openapi"] == "3.1.0"


@pytest.fixture
def api_schema(db):
    """The description, read from a WSGI application, which serves the fuzz's requests.

    As Django's test client does, requests do not close the database connection: the test's
    database lives in it. (newsarchive.wsgi is not used: it warms up for gunicorn's fork.)
    """
    application = WSGIHandler()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("path", sorted(description("http://testserver/")["paths"]))
@override_settings(RATE_LIMITS=UNLIMITED)
def test_every_documented_operation_keeps_its_description(api_schema, seeded_index, path):
    operation = api_schema[path]["GET"]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(case=operation.as_strategy())
    def check(case):
        # The WSGI transport does not decompress what GZipMiddleware compresses.
        case.call_and_validate(checks=CHECKS, headers={"Accept-Encoding": "identity"})

    check()
