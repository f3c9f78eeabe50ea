"""The shipyard: decoding as Keptn's yaml.v3 structs do, Keptn's validation messages, names, triggers."""

from __future__ import annotations

import base64
import textwrap

import pytest

from slogate.adapters.yamlfile import load_document
from slogate.domain.document import Scalar
from slogate.domain.sequencing.entity_names import (
    PROJECT_NAME_INVALID,
    PROJECT_NAME_MISSING,
    SERVICE_NAME_INVALID,
    SERVICE_NAME_MISSING,
    EntityNameError,
    is_directory_name,
    is_entity_name,
    validate_project_name,
    validate_service_name,
)
from slogate.domain.sequencing.shipyard import (
    IMPLICIT_EVALUATION,
    NO_STAGES,
    SHIPYARD_MISSING,
    SHIPYARD_NOT_BASE64,
    SHIPYARD_NOT_DECODABLE,
    STAGE_WITHOUT_NAME,
    VERSION_UNPARSEABLE,
    Shipyard,
    ShipyardError,
    Stage,
    Task,
    TaskSequence,
    Trigger,
    check_stages,
    check_version,
    decode_shipyard,
    parse_shipyard,
    plain_value,
    stages_unchanged,
    validate_shipyard,
)

SOCKSHOP = """\
apiVersion: "spec.keptn.sh/0.2.2"
kind: "Shipyard"
metadata:
  name: "shipyard-sockshop"
spec:
  stages:
    - name: "dev"
      sequences:
        - name: "delivery"
          tasks:
            - name: "deployment"
              properties:
                deploymentstrategy: "direct"
            - name: "test"
              properties:
                teststrategy: "functional"
            - name: "evaluation"
            - name: "release"
    - name: "staging"
      sequences:
        - name: "delivery"
          triggeredOn:
            - event: "dev.delivery.finished"
          tasks:
            - name: "deployment"
              properties:
                deploymentstrategy: "blue_green_service"
            - name: "test"
              properties:
                teststrategy: "performance"
            - name: "evaluation"
            - name: "release"
        - name: "rollback"
          triggeredOn:
            - event: "staging.delivery.finished"
              selector:
                match:
                  result: "fail"
          tasks:
            - name: "rollback"
    - name: "production"
      sequences:
        - name: "delivery"
          triggeredOn:
            - event: "staging.delivery.finished"
          tasks:
            - name: "deployment"
              properties:
                deploymentstrategy: "blue_green_service"
            - name: "release"
        - name: "rollback"
          triggeredOn:
            - event: "production.delivery.finished"
              selector:
                match:
                  result: "fail"
          tasks:
            - name: "rollback"
        - name: "remediation"
          triggeredOn:
            - event: "production.remediation.finished"
              selector:
                match:
                  evaluation.result: "fail"
          tasks:
            - name: "get-action"
            - name: "action"
            - name: "evaluation"
              triggeredAfter: "15m"
              properties:
                timeframe: "15m"
"""

TUTORIAL = """\
apiVersion: spec.keptn.sh/0.2.2
kind: Shipyard
metadata:
  name: shipyard-podtato
spec:
  stages:
    - name: qa
      sequences:
        - name: delivery
          tasks:
            - name: deployment
              properties:
                deploymentstrategy: direct
            - name: test
              properties:
                teststrategy: performance
            - name: evaluation
            - name: release
    - name: production
      sequences:
        - name: delivery
          triggeredOn:
            - event: qa.delivery.finished
          tasks:
            - name: deployment
            - name: release
"""


def shipyard_of(text: str) -> Shipyard:
    """The shipyard of YAML text (dedented), as the catalog parses an uploaded one."""
    return parse_shipyard(load_document(textwrap.dedent(text), "shipyard.yaml"))


def decoding_problems(text: str) -> tuple[str, ...]:
    """The reasons why ``text`` does not decode; fails the test if it does."""
    with pytest.raises(ShipyardError) as raised:
        shipyard_of(text)
    assert raised.value.message == SHIPYARD_NOT_DECODABLE
    return raised.value.problems


def invalid(reason: str) -> str:
    """Keptn's message for a shipyard that decodes but fails validation."""
    return f"provided shipyard file is not valid: {reason}"


# --- the canonical shipyards ------------------------------------------------------------------------


def test_sockshop_shipyard_parses_completely() -> None:
    """Every stage, sequence, trigger, selector, task and property of Keptn's sockshop example is kept."""
    shipyard = shipyard_of(SOCKSHOP)

    assert (shipyard.api_version, shipyard.kind, shipyard.name) == (
        "spec.keptn.sh/0.2.2",
        "Shipyard",
        "shipyard-sockshop",
    )
    assert shipyard.stage_names == ("dev", "staging", "production")
    dev = shipyard.stages[0].sequences[0]
    assert dev == TaskSequence(
        "delivery",
        (),
        (
            Task("deployment", properties={"deploymentstrategy": "direct"}),
            Task("test", properties={"teststrategy": "functional"}),
            Task("evaluation"),
            Task("release"),
        ),
    )
    staging = shipyard.stages[1]
    assert staging.sequences[0].triggered_on == (Trigger("dev.delivery.finished"),)
    assert staging.sequences[1].triggered_on == (Trigger("staging.delivery.finished", (("result", "fail"),)),)
    remediation = shipyard.stages[2].sequences[2]
    assert remediation.triggered_on == (
        Trigger("production.remediation.finished", (("evaluation.result", "fail"),)),
    )
    assert remediation.tasks[2] == Task("evaluation", "15m", {"timeframe": "15m"})
    validate_shipyard(shipyard)


def test_tutorial_shipyard_parses_completely() -> None:
    """The tutorial's qa → production shipyard: tasks with their properties, production triggered by qa."""
    shipyard = shipyard_of(TUTORIAL)

    assert shipyard.stage_names == ("qa", "production")
    assert [task.name for task in shipyard.stages[0].sequences[0].tasks] == [
        "deployment",
        "test",
        "evaluation",
        "release",
    ]
    assert shipyard.stages[0].sequences[0].tasks[1].properties == {"teststrategy": "performance"}
    assert shipyard.stages[1].sequences[0] == TaskSequence(
        "delivery", (Trigger("qa.delivery.finished"),), (Task("deployment"), Task("release"))
    )
    assert shipyard.parent_stages("production") == ("qa",)
    assert shipyard.parent_stages("qa") == ()
    validate_shipyard(shipyard)


# --- decoding as yaml.v3 does -----------------------------------------------------------------------


def test_unknown_keys_are_ignored() -> None:
    """Keys Keptn's structs do not have are dropped at every level, as yaml.v3 does."""
    shipyard = shipyard_of(
        """
        apiVersion: spec.keptn.sh/0.2.0
        extra: 1
        spec:
          other: [1, 2]
          stages:
          - name: qa
            color: red
            sequences:
            - name: s
              priority: high
              tasks:
              - name: t
                retries: 3
        """
    )
    assert shipyard == Shipyard(
        "spec.keptn.sh/0.2.0", "", "", (Stage("qa", (TaskSequence("s", (), (Task("t"),)),)),)
    )


def test_scalars_in_string_fields_keep_their_text() -> None:
    """Numbers and booleans given to string fields are kept as written; null leaves them empty."""
    shipyard = shipyard_of(
        """
        apiVersion: 0.2
        kind: ~
        spec:
          stages:
          - name: 42
            sequences:
            - name: true
              tasks:
              - name: 1.50
                triggeredAfter: 10
        """
    )
    assert shipyard.api_version == "0.2"
    assert shipyard.kind == ""
    stage = shipyard.stages[0]
    assert stage.name == "42"
    assert stage.sequences[0].name == "true"
    assert stage.sequences[0].tasks[0] == Task("1.50", "10")


def test_null_blocks_and_items_take_zero_values() -> None:
    """A null document, spec, list or list item decodes to empty values, as Go's zero values."""
    assert shipyard_of("") == Shipyard()
    assert shipyard_of("spec:\n") == Shipyard()
    shipyard = shipyard_of("spec:\n  stages:\n  - ~\n  - name: qa\n    sequences:\n    - ~\n")
    assert shipyard.stages == (Stage(""), Stage("qa", (TaskSequence(""),)))


def test_selector_match_absent_null_or_empty() -> None:
    """No selector or a null ``match`` means None (fires on pass/warning); ``match: {}`` is an empty match."""
    shipyard = shipyard_of(
        """
        spec:
          stages:
          - name: qa
            sequences:
            - name: s
              triggeredOn:
              - event: a.b.finished
              - event: a.b.finished
                selector: ~
              - event: a.b.finished
                selector:
                  match: ~
              - event: a.b.finished
                selector:
                  match: {}
              - event: a.b.finished
                selector:
                  match:
                    result: ~
                    deploy.result: 1
        """
    )
    matches = [trigger.match for trigger in shipyard.stages[0].sequences[0].triggered_on]
    assert matches == [None, None, None, (), (("result", ""), ("deploy.result", "1"))]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("- a", "the document: must be a mapping, found a list", id="document-list"),
        pytest.param("just words", "the document: must be a mapping, found a string", id="document-word"),
        pytest.param("apiVersion: [0.2]", "apiVersion: must be a string, found a list", id="version-list"),
        pytest.param("metadata: name", "metadata: must be a mapping, found a string", id="metadata-string"),
        pytest.param(
            "metadata: {name: {a: 1}}", "metadata.name: must be a string, found a mapping", id="name"
        ),
        pytest.param("spec: ''", "spec: must be a mapping, found a string", id="spec-empty-string"),
        pytest.param(
            "spec: {stages: {name: qa}}", "spec.stages: must be a list, found a mapping", id="stages"
        ),
        pytest.param("spec: {stages: [qa]}", "spec.stages[0]: must be a mapping, found a string", id="stage"),
        pytest.param(
            "spec: {stages: [{name: [qa]}]}",
            "spec.stages[0].name: must be a string, found a list",
            id="stage-name",
        ),
        pytest.param(
            "spec: {stages: [{name: qa, sequences: delivery}]}",
            "spec.stages[0].sequences: must be a list, found a string",
            id="sequences",
        ),
        pytest.param(
            "spec: {stages: [{name: qa, sequences: [{name: s, triggeredOn: x.y.finished}]}]}",
            "spec.stages[0].sequences[0].triggeredOn: must be a list, found a string",
            id="triggered-on",
        ),
        pytest.param(
            "spec: {stages: [{name: qa, sequences: [{name: s, triggeredOn: [{event: e, selector: [1]}]}]}]}",
            "spec.stages[0].sequences[0].triggeredOn[0].selector: must be a mapping, found a list",
            id="selector",
        ),
        pytest.param(
            "spec: {stages: [{name: qa, sequences: [{name: s, triggeredOn: [{selector: {match: [1]}}]}]}]}",
            "spec.stages[0].sequences[0].triggeredOn[0].selector.match: must be a mapping, found a list",
            id="match",
        ),
        pytest.param(
            "spec: {stages: [{sequences: [{triggeredOn: [{selector: {match: {result: [x]}}}]}]}]}",
            "spec.stages[0].sequences[0].triggeredOn[0].selector.match.result: "
            "must be a string, found a list",
            id="match-value",
        ),
        pytest.param(
            "spec: {stages: [{name: qa, sequences: [{name: s, tasks: deploy}]}]}",
            "spec.stages[0].sequences[0].tasks: must be a list, found a string",
            id="tasks",
        ),
        pytest.param(
            "spec: {stages: [{name: qa, sequences: [{name: s, tasks: [{name: t, triggeredAfter: [1]}]}]}]}",
            "spec.stages[0].sequences[0].tasks[0].triggeredAfter: must be a string, found a list",
            id="triggered-after",
        ),
    ],
)
def test_type_mismatches_fail_the_whole_document(text: str, problem: str) -> None:
    """A container where a scalar belongs (or the reverse) is Keptn's unmarshal error; the path says where."""
    assert decoding_problems(text) == (problem,)


def test_every_type_mismatch_is_reported() -> None:
    """All mismatches are collected, not only the first."""
    problems = decoding_problems("kind: [a]\nspec: {stages: [{name: {}}, {sequences: 1}]}")
    assert problems == (
        "kind: must be a string, found a list",
        "spec.stages[0].name: must be a string, found a mapping",
        "spec.stages[1].sequences: must be a list, found a number",
    )


def test_task_properties_become_plain_json_values() -> None:
    """Properties keep their structure; booleans are YAML 1.2's only, odd scalars stay text."""
    shipyard = shipyard_of(
        """
        spec:
          stages:
          - name: qa
            sequences:
            - name: s
              tasks:
              - name: t
                properties:
                  strategy: direct
                  replicas: 3
                  ratio: 0.5
                  enabled: true
                  approve: yes
                  window: 1:30
                  limit: .inf
                  since: 2024-01-01
                  nothing: ~
                  list: [a, 1, {k: v}]
        """
    )
    assert shipyard.stages[0].sequences[0].tasks[0].properties == {
        "strategy": "direct",
        "replicas": 3,
        "ratio": 0.5,
        "enabled": True,
        "approve": "yes",
        "window": "1:30",
        "limit": ".inf",
        "since": "2024-01-01",
        "nothing": None,
        "list": ["a", 1, {"k": "v"}],
    }


def test_plain_value_of_bare_python_scalars() -> None:
    """Plain Python scalars (not wrapped in Scalar) convert like YAML ones."""
    assert plain_value({"a": [1, "x", None, False]}) == {"a": [1, "x", None, False]}
    assert plain_value(Scalar("On", True)) == "On"


# --- base64 -----------------------------------------------------------------------------------------


def test_decode_shipyard_reads_base64_text() -> None:
    """Standard padded base64 decodes to the YAML text; CR and LF inside are ignored, as in Go."""
    encoded = base64.b64encode(TUTORIAL.encode()).decode()
    assert decode_shipyard(encoded) == TUTORIAL
    assert decode_shipyard(encoded[:20] + "\r\n" + encoded[20:]) == TUTORIAL


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        pytest.param("", SHIPYARD_MISSING, id="empty"),
        pytest.param("not base64!", SHIPYARD_NOT_BASE64, id="alphabet"),
        pytest.param("YWJjZA", SHIPYARD_NOT_BASE64, id="missing-padding"),
        pytest.param(base64.b64encode(b"\xff\xfe name").decode(), SHIPYARD_NOT_DECODABLE, id="not-utf8"),
    ],
)
def test_decode_shipyard_failures(encoded: str, message: str) -> None:
    """Keptn's messages for a missing shipyard, bad base64 and content that is not text."""
    with pytest.raises(ShipyardError) as raised:
        decode_shipyard(encoded)
    assert str(raised.value) == message


# --- version ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "version",
    [
        "spec.keptn.sh/0.2.0",
        "spec.keptn.sh/0.2.4",
        "0.2.0",
        "0.2",
        "v0.2.3",
        "0.10.0",
        "1.0.0",
        "0.2.0+build.7",
    ],
)
def test_supported_versions(version: str) -> None:
    """``>= 0.2`` after stripping ``spec.keptn.sh/``, loose semver (``v``, missing parts, build metadata)."""
    check_version(version)


@pytest.mark.parametrize(
    "version",
    [
        "",
        "spec.keptn.sh/",
        "0.2.x",
        "spec.keptn.sh/spec.keptn.sh/0.2.0",
        "0.2.0-01",
        "0.2.0-rc.01",
        f"{2**64}.0.0",
        "0.2.0.1",
        " 0.2.0",
    ],
)
def test_unparseable_versions(version: str) -> None:
    """Anything but a semantic version (prefix stripped once) is ``could not parse shipyard version``."""
    with pytest.raises(ShipyardError, match=f"^{VERSION_UNPARSEABLE}$"):
        check_version(version)


@pytest.mark.parametrize("version", ["spec.keptn.sh/0.1.7", "0.1.99", "0.3.0-rc1", "0.2.0-alpha"])
def test_too_old_or_prerelease_versions(version: str) -> None:
    """Below 0.2, and any pre-release (excluded by the constraint), names the version and the rule."""
    with pytest.raises(ShipyardError) as raised:
        check_version(version)
    assert str(raised.value) == f"Invalid shipyard APIVersion {version}. Expected >= 0.2"


# --- stages -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        pytest.param((), NO_STAGES, id="none"),
        pytest.param(("qa", ""), STAGE_WITHOUT_NAME, id="empty-name"),
        pytest.param(("qa", "Prod"), "Stage Prod contains upper case letter(s)", id="upper-case"),
        pytest.param(("dev_1",), "Stage dev_1 contains upper case letter(s)", id="underscore"),
        pytest.param(("qa", "qa"), "Stage qa is defined more than once.", id="duplicate"),
    ],
)
def test_stage_checks(stages: tuple[str, ...], message: str) -> None:
    """Keptn's stage messages, in Keptn's order; slogate also refuses a stage name used twice."""
    with pytest.raises(ShipyardError) as raised:
        check_stages(Shipyard("0.2.0", stages=tuple(Stage(name) for name in stages)))
    assert str(raised.value).startswith(message)


def test_invalid_stage_name_message_is_keptns() -> None:
    """The whole three-line message Keptn gives for a bad stage name."""
    with pytest.raises(ShipyardError) as raised:
        check_stages(Shipyard(stages=(Stage("QA"),)))
    assert str(raised.value) == (
        "Stage QA contains upper case letter(s) or special character(s).\n"
        "Keptn relies on the following conventions: start with a lower case letter, then lower case "
        "letters, numbers, and hyphens are allowed.\nPlease update stage name in your shipyard and try again."
    )


def test_validate_shipyard_prefixes_the_reason() -> None:
    """Version problems come before stage problems, both behind Keptn's prefix."""
    with pytest.raises(ShipyardError) as raised:
        validate_shipyard(Shipyard("0.1.0"))
    assert str(raised.value) == invalid("Invalid shipyard APIVersion 0.1.0. Expected >= 0.2")
    with pytest.raises(ShipyardError) as raised:
        validate_shipyard(Shipyard("spec.keptn.sh/0.2.0"))
    assert str(raised.value) == invalid(NO_STAGES)


@pytest.mark.parametrize(
    ("old", "new", "unchanged"),
    [
        (("qa", "prod"), ("qa", "prod"), True),
        (("qa", "prod"), ("prod", "qa"), True),
        (("qa", "prod"), ("qa", "production"), False),
        (("qa", "prod"), ("qa",), False),
        (("qa",), ("qa", "prod"), False),
    ],
)
def test_stages_unchanged(old: tuple[str, ...], new: tuple[str, ...], unchanged: bool) -> None:
    """An update may reorder stages but not add, remove or rename one."""
    assert stages_unchanged(old, new) is unchanged


# --- names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a", "qa", "dev-1", "a1", "sock-shop-2"])
def test_entity_names(name: str) -> None:
    """Lower case letter first, then lower case letters, digits and inner hyphens."""
    assert is_entity_name(name)


@pytest.mark.parametrize("name", ["", "1qa", "Qa", "qa-", "q_a", "q.a", "-qa", "qä", "qa\n"])
def test_not_entity_names(name: str) -> None:
    """Upper case, a leading digit, a trailing hyphen or any other character is refused."""
    assert not is_entity_name(name)


@pytest.mark.parametrize("name", ["carts", "Carts.v2_x", "my service", "a-b"])
def test_directory_names(name: str) -> None:
    """Service names may hold dots, upper case, underscores and spaces."""
    assert is_directory_name(name)


@pytest.mark.parametrize("name", [".", "..", "a/b", "a>b", "a<b", "a|b", "a:b", "a&b"])
def test_not_directory_names(name: str) -> None:
    """``.``, ``..`` and names with ``/ > < | : &`` are refused."""
    assert not is_directory_name(name)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (None, PROJECT_NAME_MISSING),
        ("", PROJECT_NAME_MISSING),
        ("a" * 201, "project name exceeds maximum size of 200 characters"),
        ("Ü" * 101, "project name exceeds maximum size of 200 characters"),
        ("Sockshop", PROJECT_NAME_INVALID),
    ],
)
def test_project_name_messages(name: str | None, message: str) -> None:
    """Keptn's messages in Keptn's order; the size counts bytes, as Go's ``len`` does."""
    with pytest.raises(EntityNameError, match=f"^{message}$"):
        validate_project_name(name)


def test_project_name_without_size_check() -> None:
    """Keptn's update skips the size check; a valid name is returned as given."""
    assert validate_project_name("a" * 201, max_size=None) == "a" * 201
    assert validate_project_name("sockshop") == "sockshop"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (None, SERVICE_NAME_MISSING),
        ("", SERVICE_NAME_MISSING),
        ("s" * 44, "project name exceeds maximum size of 43 characters"),
        ("a/b", SERVICE_NAME_INVALID),
    ],
)
def test_service_name_messages(name: str | None, message: str) -> None:
    """Keptn's messages, including its size message that says "project" (sic)."""
    with pytest.raises(EntityNameError) as raised:
        validate_service_name(name)
    assert str(raised.value) == message


def test_valid_service_name_is_returned() -> None:
    """A 43-byte name with dots and upper case is accepted."""
    name = "Carts.v2_" + "x" * 34
    assert validate_service_name(name) == name


# --- lookups and triggers ---------------------------------------------------------------------------


def test_stage_and_sequence_lookup() -> None:
    """Stages and sequences are found by name; every stage has an implicit ``evaluation`` sequence."""
    shipyard = shipyard_of(SOCKSHOP)
    staging = shipyard.stage("staging")
    assert staging is not None
    assert shipyard.stage("nowhere") is None
    assert staging.sequence("rollback") == staging.sequences[1]
    assert staging.sequence("evaluation") == IMPLICIT_EVALUATION
    assert IMPLICIT_EVALUATION.tasks == (Task("evaluation"),)
    assert staging.sequence("remediation") is None
    own = Stage("qa", (TaskSequence("evaluation", tasks=(Task("approval"), Task("evaluation"))),))
    assert own.sequence("evaluation") == own.sequences[0]


def test_parent_stages() -> None:
    """Distinct prefixes of three-part trigger events, the stage itself excluded; unknown stage: none."""
    shipyard = shipyard_of(SOCKSHOP)
    assert shipyard.parent_stages("dev") == ()
    assert shipyard.parent_stages("staging") == ("dev",)
    assert shipyard.parent_stages("production") == ("staging",)
    assert shipyard.parent_stages("nowhere") == ()
    odd = Shipyard(
        stages=(
            Stage(
                "c",
                (
                    TaskSequence(
                        "x", (Trigger("a.d.finished"), Trigger("b.d.finished"), Trigger("a.e.finished"))
                    ),
                    TaskSequence("y", (Trigger("a.finished"), Trigger("sh.keptn.a.d.finished"))),
                ),
            ),
        )
    )
    assert odd.parent_stages("c") == ("a", "b")


@pytest.mark.parametrize(
    ("finished", "result", "last_task", "started"),
    [
        pytest.param(("dev", "delivery"), "pass", "release", [("staging", "delivery")], id="pass-chains"),
        pytest.param(
            ("dev", "delivery"), "warning", "release", [("staging", "delivery")], id="warning-chains"
        ),
        pytest.param(("dev", "delivery"), "fail", "evaluation", [], id="fail-stops"),
        pytest.param(("staging", "delivery"), "fail", "test", [("staging", "rollback")], id="fail-selector"),
        pytest.param(("staging", "delivery"), "pass", "release", [("production", "delivery")], id="pass"),
        pytest.param(
            ("production", "remediation"),
            "fail",
            "evaluation",
            [("production", "remediation")],
            id="task-result-selector",
        ),
        pytest.param(("production", "remediation"), "fail", "action", [], id="other-last-task"),
        pytest.param(("production", "remediation"), "pass", "evaluation", [], id="selector-other-result"),
    ],
)
def test_triggered_by(
    finished: tuple[str, str], result: str, last_task: str, started: list[tuple[str, str]]
) -> None:
    """§1.4: no selector fires on pass and warning; a selector compares ``result``/``<last task>.result``."""
    shipyard = shipyard_of(SOCKSHOP)
    pairs = shipyard.triggered_by(*finished, result=result, last_task=last_task)
    assert [(stage, sequence.name) for stage, sequence in pairs] == started


def test_triggers_fire_once_per_matching_entry() -> None:
    """Two matching triggers start the sequence twice; an empty match never fires on a real result."""
    twice = TaskSequence("s", (Trigger("a.b.finished"), Trigger("a.b.finished", (("result", "pass"),))))
    never = TaskSequence("n", (Trigger("a.b.finished", ()),))
    shipyard = Shipyard(stages=(Stage("qa", (twice, never)),))
    assert [sequence.name for _, sequence in shipyard.triggered_by("a", "b", "pass", "t")] == ["s", "s"]
    assert Trigger("a.b.finished", ()).fires("", "t")  # Go's missing map key is "", equal to an empty result
