"""schemathesis against the API's own OpenAPI schema, authenticated as an admin, finds no server error.

Every operation gets a bounded number of generated requests (explicit examples plus 20 generated
ones) against the real app on PostgreSQL and Kafka, with some applications seeded so reads find data.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error

from api.main import create_app
from infra.crypto import new_key_spec, parse_key_ring
from infra.settings import Settings
from tests.integration.api.api_support import api_settings, application_value, make_callers, seed, serving
from tests.integration.consumers.postgres_sink_support import fresh_database


@pytest.fixture(scope="module")
def served(request, tmp_path_factory, kafka_bootstrap, schema_registry):
    tmp = tmp_path_factory.mktemp("schemathesis")
    spec = new_key_spec()
    with fresh_database("postgresql", lambda: request.getfixturevalue("postgres_url"), tmp) as url:
        seed(url, [application_value(index, parse_key_ring(spec)) for index in range(5)])
        settings_ = api_settings(
            url,
            tmp / "home",
            spec,
            kafka_bootstrap=kafka_bootstrap,
            registry_url=schema_registry,
            api_read_your_writes_seconds=0.2,
        )
        with serving(settings_) as base:
            yield {"base": base, "admin": make_callers(url, base).headers["admin"]}


# The operations come from the app's own schema (no server needed to list them); schemathesis's
# pytest plugin does not run under this pytest, so each operation drives hypothesis itself.
SCHEMA = schemathesis.openapi.from_dict(create_app(Settings(jwt_secret="x" * 40)).openapi())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_no_generated_request_makes_the_api_fail_with_a_server_error(operation, served):
    @given(case=operation.as_strategy())
    @settings(
        max_examples=20,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case):
        case.call_and_validate(base_url=served["base"], headers=served["admin"], checks=[not_a_server_error])

    check()
