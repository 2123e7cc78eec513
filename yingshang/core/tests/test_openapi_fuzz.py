"""Schemathesis fuzzes every API operation: no server error, every response matches the schema.

The schema is read from the Django app over WSGI (no server, no network) at collection time.
Data: the shared `world` fixture, created inside the test's transaction (pytest-django `db`); the
WSGI calls run in the same thread and connection, so they see it. Every operation is a read, so the
hypothesis examples can share that state (hence the suppressed function-scoped-fixture health
check). The token has a fixed key so schemathesis itself applies it and can also try requests
without it (which must be 401). The seed is fixed, so a failure reproduces; schemathesis prints
the curl command for it.

Random path parameters almost never name a real record, so on their own they would only ever
reach the 404 branch; schemathesis "dictionaries" mix the `world` fixture's real codes into half of
the generated values, so the found-record code paths are fuzzed too.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from yingshang.conftest import World
from yingshang.registry.models import ApiToken, Department, District, Enterprise
from yingshang.registry.testing import make_uscc
from yingshang.wsgi import application

# About half a minute: runs once, in the PostgreSQL pass of `dev.py test` (the SQLite pass skips slow tests).
pytestmark = pytest.mark.slow

FUZZ_SEED = 20260630
MAX_EXAMPLES = 30
FUZZ_KEY = "ys_fuzz-test-key-only-exists-inside-the-test-database"

# Real values in the `world` fixture (checked by the fixture below, so they cannot drift silently).
KNOWN_USCCS = [make_uscc("91610302MA6X00001"), make_uscc("91610303MA6X00002")]
KNOWN_DEPARTMENTS = ["city", "city-yingshang", "weibin", "weibin-samr", "jintai", "jintai-samr"]
KNOWN_DISTRICTS = ["610302", "610303"]
KNOWN_INDUSTRIES = ["C", "39", "391", "33"]

schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json",
    application,
    config=schemathesis.Config.from_dict(
        {
            "seed": FUZZ_SEED,
            "generation": {"max-examples": MAX_EXAMPLES, "mode": "all"},
            "auth": {"openapi": {"TokenAuth": {"bearer": FUZZ_KEY}}},
            "dictionaries": {
                "usccs": {"values": KNOWN_USCCS},
                "departments": {"values": KNOWN_DEPARTMENTS},
                "districts": {"values": KNOWN_DISTRICTS},
                "industries": {"values": KNOWN_INDUSTRIES},
            },
            "parameters": {
                "path.uscc": {"dictionary": "usccs", "probability": 0.5},
                "path.code": {"dictionary": "departments", "probability": 0.5},
                "query.district": {"dictionary": "districts", "probability": 0.5},
                "query.parent": {"dictionary": "industries", "probability": 0.5},
            },
        }
    ),
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection_open() -> Iterator[None]:
    # A real WSGI request closes the database connection when it ends, which would end the test's
    # transaction on PostgreSQL; Django's own test client unhooks the same signal for the same reason.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def office_admin_token(world: World) -> ApiToken:
    assert Enterprise.objects.filter(uscc__in=KNOWN_USCCS).count() == len(KNOWN_USCCS)
    assert Department.objects.filter(code__in=KNOWN_DEPARTMENTS).count() == len(KNOWN_DEPARTMENTS)
    assert District.objects.filter(code__in=KNOWN_DISTRICTS).count() == len(KNOWN_DISTRICTS)
    return ApiToken.objects.create(
        user=world.admin, name="fuzz", prefix=FUZZ_KEY[:8], key_hash=ApiToken.hash_key(FUZZ_KEY)
    )


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_operation_errors_or_breaks_its_schema(
    case: schemathesis.Case, office_admin_token: ApiToken
) -> None:
    case.call_and_validate()
