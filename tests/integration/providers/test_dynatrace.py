"""The Dynatrace provider against the fake tenant: every query form, every extraction rule, every error."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from slogate.adapters.providers.dynatrace import DynatraceProvider
from slogate.domain.evaluation.sli import SLIRequest
from slogate.domain.protocol.gate_events import SLIValue
from slogate.ports import ProviderOptions
from tests.support.fake_dynatrace import FakeDynatrace, error_body

END = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # long ago: no settle wait
START = END - timedelta(minutes=10)
FROM, TO = "1767606600000", "1767607200000"  # START and END in Unix ms
RT = "builtin:service.response.time:splitBy():avg"
COUNT = "builtin:service.requestCount.total:splitBy():sum"
TAGS = "type(SERVICE),tag(keptn_project:$PROJECT),tag(keptn_stage:$STAGE),tag(keptn_service:$SERVICE)"
RESOLVED_TAGS = "type(SERVICE),tag(keptn_project:shop),tag(keptn_stage:qa),tag(keptn_service:carts)"


@pytest.fixture
def fake() -> Iterator[FakeDynatrace]:
    with FakeDynatrace() as server:
        yield server


def request(*queries: tuple[str, str], labels: tuple[tuple[str, str], ...] = ()) -> SLIRequest:
    names = tuple(name for name, _ in queries)
    return SLIRequest("shop", "qa", "carts", START, END, names, labels=labels, queries=queries)


class Sleeps(list[float]):
    """Records every wait instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def measure(
    fake: FakeDynatrace, sli: SLIRequest, sleeps: Sleeps | None = None, **options: Any
) -> list[SLIValue]:
    settings = {"url": fake.url, "credentials": (("DT_API_TOKEN", fake.token),), **options}

    async def run() -> tuple[SLIValue, ...]:
        provider = DynatraceProvider(ProviderOptions(**settings), sleep=sleeps or Sleeps())
        async with provider:
            return await provider.fetch(sli)

    return list(asyncio.run(run()))


def one(fake: FakeDynatrace, query: str, **options: Any) -> SLIValue:
    return measure(fake, request(("sli", query)), **options)[0]


def test_a_metric_query_sends_keptns_parameters_and_token(fake: FakeDynatrace) -> None:
    fake.set_metric(COUNT, [42.0], entity_selector=RESOLVED_TAGS)
    value = one(fake, f"metricSelector={COUNT}&entitySelector={TAGS}")
    assert value.success
    assert value.value == 42.0
    [call] = fake.calls("/api/v2/metrics/query")
    assert call.params == {"entitySelector": RESOLVED_TAGS, "from": FROM, "metricSelector": COUNT, "to": TO}
    assert call.headers["authorization"] == f"Api-Token {fake.token}"
    assert (
        value.query
        == f"/api/v2/metrics/query?entitySelector={RESOLVED_TAGS}&from={FROM}&metricSelector={COUNT}&to={TO}"
    )


def test_resolution_and_management_zone_are_passed_on(fake: FakeDynatrace) -> None:
    fake.set_metric(COUNT, [7.0])
    assert one(fake, f"metricSelector={COUNT}&resolution=Inf&mzSelector=mzId(123)").value == 7.0
    [call] = fake.calls("/api/v2/metrics/query")
    assert call.params["resolution"] == "Inf"
    assert call.params["mzSelector"] == "mzId(123)"


@pytest.mark.parametrize(
    ("query", "stored", "expected"),
    [
        (f"metricSelector={RT}", 250_000.0, 250.0),  # Keptn shows builtin:service.response.time in ms
        (f"MV2;MicroSecond;metricSelector={RT}", 250_000.0, 250.0),  # not divided twice
        ("MV2;MicroSecond;metricSelector=calc:service.latency", 4_000.0, 4.0),
        ("MV2;Byte;metricSelector=builtin:host.mem.avail.bytes", 2048.0, 2.0),
        ("metricSelector=builtin:host.mem.avail.bytes", 2048.0, 2048.0),
    ],
)
def test_units_are_scaled_as_keptn_did(
    fake: FakeDynatrace, query: str, stored: float, expected: float
) -> None:
    selector = query.rsplit("metricSelector=", 1)[1]
    fake.set_metric(selector, [stored])
    assert one(fake, query).value == expected


def test_the_legacy_form_is_converted_with_resolution_inf_and_type_service(fake: FakeDynatrace) -> None:
    fake.set_metric("builtin:service.requestCount.total:merge(0):sum", [3.0, 5.0])
    value = one(fake, "builtin:service.requestCount.total:merge(0):sum?scope=tag(keptn_project:$PROJECT)")
    assert value.success
    assert value.value == 4.0
    [call] = fake.calls("/api/v2/metrics/query")
    assert call.params["resolution"] == "Inf"
    assert call.params["entitySelector"] == "tag(keptn_project:shop),type(SERVICE)"


def test_several_values_are_asked_again_with_resolution_inf(fake: FakeDynatrace) -> None:
    fake.set_metric(COUNT, [10.0, 20.0, 60.0])
    value = one(fake, f"metricSelector={COUNT}")
    assert value.success
    assert value.value == 30.0
    assert [call.path for call in fake.requests] == [
        "/api/v2/metrics/query",
        f"/api/v2/metrics/{COUNT}",
        "/api/v2/metrics/query",
    ]
    assert fake.requests[2].params["resolution"] == "Inf"
    assert "resolution=Inf" in value.query


@pytest.mark.parametrize("resolution", ["", "&resolution=1h"])
def test_several_values_are_folded_when_inf_is_not_possible(fake: FakeDynatrace, resolution: str) -> None:
    fake.set_metric(COUNT, [1.0, 2.0], resolution_inf=bool(resolution))
    value = one(fake, f"metricSelector={COUNT}{resolution}")
    assert value.success
    assert value.value == 1.5
    assert fake.requests[-1].params["metricSelector"] == f"({COUNT}):fold"


def test_a_value_aggregated_metric_cannot_be_folded(fake: FakeDynatrace) -> None:
    fake.set_metric(
        "builtin:synthetic.browser.availability", [99.0, 100.0], resolution_inf=False, aggregation="value"
    )
    value = one(fake, "metricSelector=builtin:synthetic.browser.availability")
    assert not value.success
    assert "returned 2 values but only one is supported; unable to apply ':fold'" in value.message
    assert "default aggregation type is 'value'" in value.message


def test_several_values_with_resolution_inf_already_set_fail(fake: FakeDynatrace) -> None:
    fake.set_metric(COUNT, [1.0, 2.0])
    fake.script(
        200,
        body={"result": [{"metricId": COUNT, "data": [{"values": [1.0, 2.0]}]}]},
        path="/api/v2/metrics/query",
    )
    value = one(fake, f"metricSelector={COUNT}&resolution=Inf")
    assert "returned 2 values but only one is supported although resolution is already Inf" in value.message
    assert len(fake.requests) == 1


def test_a_selector_without_a_readable_definition_is_asked_with_resolution_inf(fake: FakeDynatrace) -> None:
    fake.set_metric(COUNT, [1.0, 2.0], resolution_inf=False)
    fake.script(404, path="/api/v2/metrics/builtin")
    value = one(fake, f"metricSelector={COUNT}")
    assert value.success
    assert value.value == 1.5
    assert fake.requests[-1].params["resolution"] == "Inf"


def test_a_selector_with_a_resolution_and_no_definition_fails_with_a_hint(fake: FakeDynatrace) -> None:
    fake.set_metric(COUNT, [1.0, 2.0])
    fake.script(404, path="/api/v2/metrics/builtin")
    value = one(fake, f"metricSelector={COUNT}&resolution=1h")
    assert "reading the metric's definition to ask for one value failed (HTTP 404)" in value.message
    assert "add resolution=Inf or ':fold'" in value.message
    assert len(fake.requests) == 2


@pytest.mark.parametrize(
    ("series", "message"),
    [
        ((), "Metrics API v2 returned zero metric series"),
        (([1.0], [2.0]), "Metrics API v2 returned 2 metric series but only one is supported"),
        (([None],), "Metrics API v2 returned 'null' as value"),
        (([],), "Metrics API v2 returned zero values"),
    ],
)
def test_no_single_value_fails_the_sli_naming_what_came_back(
    fake: FakeDynatrace, series: tuple[list[float | None], ...], message: str
) -> None:
    fake.set_metric(COUNT, *series, warnings=["no data for the entity"])
    value = one(fake, f"metricSelector={COUNT}&entitySelector={TAGS}")
    assert not value.success
    assert message in value.message
    assert value.message.startswith("SLI 'sli': ")
    assert f"(query: metricSelector={COUNT}&entitySelector={RESOLVED_TAGS})" in value.message


def test_an_empty_result_names_the_warnings(fake: FakeDynatrace) -> None:
    fake.set_metric(COUNT, warnings=["The lower bound of the timeframe is too far back"])
    assert (
        "zero metric series. Warnings: The lower bound of the timeframe"
        in one(fake, f"metricSelector={COUNT}").message
    )


def test_an_unknown_metric_reports_dynatraces_error(fake: FakeDynatrace) -> None:
    value = one(fake, "metricSelector=builtin:nope")
    assert "Dynatrace API error (404): The metric key 'builtin:nope' could not be found" in value.message
    assert "(request: /api/v2/metrics/query?from=" in value.message


def test_a_400_body_becomes_a_readable_message(fake: FakeDynatrace) -> None:
    violation = {
        "path": "metricSelector",
        "message": "Token `splitBy(` is unknown",
        "parameterLocation": "QUERY",
    }
    fake.script(400, body=error_body(400, "Constraints violated.", [violation]))
    value = one(fake, "metricSelector=builtin:x:splitBy(")
    assert (
        "Dynatrace API error (400): Constraints violated. [metricSelector: Token `splitBy(` is unknown]"
        in value.message
    )


def test_a_non_json_error_page_is_reported_with_its_status(fake: FakeDynatrace) -> None:
    fake.script(502, body=b"<html>Bad Gateway</html>")
    assert (
        "Dynatrace API error (HTTP 502): <html>Bad Gateway</html>"
        in one(fake, f"metricSelector={COUNT}").message
    )


def test_slo_percentage_and_its_error_field(fake: FakeDynatrace) -> None:
    fake.set_slo("7d07efde-b714-3e6e-ad95-08490e2540c4", 98.5)
    fake.set_slo("broken", 0.0, error="Metric selector is invalid")
    good, bad, missing = measure(
        fake,
        request(
            ("good", "SLO;7d07efde-b714-3e6e-ad95-08490e2540c4"),
            ("bad", "SLO;broken"),
            ("missing", "SLO;unknown"),
        ),
    )
    assert good.success
    assert good.value == 98.5
    assert good.query == f"/api/v2/slo/7d07efde-b714-3e6e-ad95-08490e2540c4?from={FROM}&to={TO}&timeFrame=GTF"
    assert "Dynatrace API returned an error: Metric selector is invalid" in bad.message
    assert "Dynatrace API error (404): SLO with id unknown not found" in missing.message


def test_problem_and_security_problem_counts(fake: FakeDynatrace) -> None:
    fake.set_problems("status(open)", 3, entity_selector="mzId(1)")
    fake.set_problems("status(open)", 9)
    fake.set_security_problems("status(OPEN)", 2)
    zone, everywhere, security = measure(
        fake,
        request(
            ("zone", "PV2;problemSelector=status(open)&entitySelector=mzId(1)"),
            ("all", "PV2;problemSelector=status(open)"),
            ("sec", "SECPV2;securityProblemSelector=status(OPEN)"),
        ),
    )
    assert (zone.value, everywhere.value, security.value) == (3.0, 9.0, 2.0)
    assert (
        zone.query
        == f"/api/v2/problems?problemSelector=status(open)&entitySelector=mzId(1)&from={FROM}&to={TO}"
    )
    assert (
        security.query == f"/api/v2/securityProblems?securityProblemSelector=status(OPEN)&from={FROM}&to={TO}"
    )


def test_usql_tiles(fake: FakeDynatrace) -> None:
    fake.set_usql("SELECT AVG(duration) FROM usersession", ["avg"], [[1234.5]])
    fake.set_usql(
        "SELECT browserFamily, COUNT(*), AVG(duration) FROM usersession",
        ["b", "n", "d"],
        [["Chrome", 4, 900.0]],
    )
    single, table, column = measure(
        fake,
        request(
            ("single", "USQL;SINGLE_VALUE;;SELECT AVG(duration) FROM usersession"),
            ("table", "USQL;TABLE;Chrome;SELECT browserFamily, COUNT(*), AVG(duration) FROM usersession"),
            (
                "column",
                "USQL;COLUMN_CHART;Firefox;SELECT browserFamily, COUNT(*), AVG(duration) FROM usersession",
            ),
        ),
    )
    assert (single.value, table.value) == (1234.5, 900.0)
    assert "could not find dimension name 'Firefox' in result" in column.message
    call = fake.calls("/api/v1/userSessionQueryLanguage/table")[0]
    assert call.params["startTimestamp"] == FROM
    assert call.params["endTimestamp"] == TO
    assert call.params["explain"] == "false"
    assert call.params["addDeepLinkFields"] == "false"


def test_unparseable_queries_fail_before_any_request(fake: FakeDynatrace) -> None:
    values = measure(fake, request(("a", "metricSelector=x&scope=y"), ("b", "MV2;Kilo;metricSelector=x")))
    assert "cannot parse the query: unknown key: scope" in values[0].message
    assert "cannot parse the query: invalid unit: 'Kilo'" in values[1].message
    assert fake.requests == []


@pytest.mark.parametrize(
    "hostile", ['x} OR *{"', "a),tag(other", "v&entitySelector=x", "x;y", "$ENV.HOME", "a b", "new\nline"]
)
def test_hostile_label_values_are_refused_before_any_request(fake: FakeDynatrace, hostile: str) -> None:
    query = f"metricSelector={COUNT}&entitySelector=type(SERVICE),tag(buildId:$LABEL.buildId)"
    value = measure(fake, request(("sli", query), labels=(("buildId", hostile),)))[0]
    assert not value.success
    assert fake.requests == []
    assert "cannot be placed in a query safely" in value.message


def test_placeholders_without_a_value_fail_instead_of_being_sent(fake: FakeDynatrace) -> None:
    values = measure(
        fake, request(("a", "metricSelector=m:filter(eq(v,$LABEL.version))"), ("b", "SLO;$ENV.SLO_ID"))
    )
    assert "placeholder $LABEL.version has no value" in values[0].message
    assert "placeholder $ENV.SLO_ID has no value" in values[1].message
    assert fake.requests == []


def test_a_success_without_json_fails_the_sli(fake: FakeDynatrace) -> None:
    fake.script(200, body=b"<html>login</html>")
    value = one(fake, f"metricSelector={COUNT}")
    assert "Dynatrace answered HTTP 200 without JSON (request: /api/v2/metrics/query?from=" in value.message


def test_a_definition_that_is_not_json_counts_as_unreadable(fake: FakeDynatrace) -> None:
    fake.set_metric(COUNT, [1.0, 2.0])
    fake.script(200, body=b"oops", path="/api/v2/metrics/builtin")
    assert "failed (HTTP 200)" in one(fake, f"metricSelector={COUNT}&resolution=1h").message
