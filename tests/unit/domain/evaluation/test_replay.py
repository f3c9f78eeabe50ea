"""What-if replays against the engine: an unchanged SLO reproduces history, a changed one flips builds."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from slogate.domain.evaluation.gate import SLOFile, evaluate_gate
from slogate.domain.evaluation.replay import (
    ReplayedBuild,
    StoredBuild,
    decode_stored,
    replay_builds,
    without_targets,
)
from slogate.domain.evaluation.replay_flips import NO_VALUE_STORED, DecidingCriterion, deciding_criteria
from slogate.domain.protocol.gate_events import (
    ABORTED,
    ERRORED,
    FAIL,
    INFO,
    PASS,
    WARNING,
    EvaluationFinished,
    IndicatorResult,
    SLIValue,
    Target,
)
from slogate.domain.protocol.gate_json import (
    PayloadError,
    decode_evaluation_finished,
    decode_history,
    encode_evaluation_finished,
)
from tests.unit.conftest import ValueSpec, failed, sli_results, slo_file

TUTORIAL_SLO = (resources.files("slogate.demo") / "data" / "slo.yaml").read_text()
KEPTN_SLO = (Path(__file__).parents[3] / "data" / "keptn" / "slo-quality-gates.yaml").read_text()
RT, TP, GR = "http_response_time_seconds_main_page_sum", "request_throughput", "go_routines"

RELATIVE_SLO = """
comparison:
  compare_with: several_results
  number_of_comparison_results: 2
  include_result_with_score: pass
  aggregate_function: avg
objectives:
  - sli: rt
    pass:
      - criteria: ["<=+10%", "<{limit}"]
    warning:
      - criteria: ["<=800"]
  - sli: errors
    pass:
      - criteria: ["<=1"]
total_score:
  pass: "90%"
  warning: "75%"
"""

Build = tuple[ValueSpec, ...] | str  # values, or "abort" / "error:<msg>" / "slifail:<msg>" / "noslo"


def record(
    slo_text: str, builds: Sequence[Build], invalidated: frozenset[int] = frozenset()
) -> list[StoredBuild]:
    """Evaluate each build in turn as the gate did at the time (history from the earlier ones), newest first.

    An invalidated build is marked so from the start: it never served as a baseline, then or now.
    """
    file = slo_file(slo_text)
    history: list[StoredBuild] = []
    for index, build in enumerate(builds):
        fields: dict[str, object] = {"labels": (("buildId", str(index)),)}
        values: tuple[ValueSpec, ...] = ()
        if isinstance(build, str):
            kind, _, message = build.partition(":")
            fields |= {"abort": {"status": ABORTED}, "error": {"status": ERRORED, "message": message}}.get(
                kind, {}
            )
            if kind == "slifail":
                fields |= {"result": FAIL, "message": message}
                values = ((RT, 0.1), (TP, 1.0), (GR, 5.0))
        else:
            values = build
        sli = sli_results(*values, **fields)
        previous = decode_history(
            [
                {"id": b.id, "time": b.time, "invalidated": b.invalidated, "data": dict(b.data)}
                for b in history
            ]
        )
        event = evaluate_gate(sli, None if build == "noslo" else file, previous)
        stored = StoredBuild(f"e{index:03}", f"2024-01-01T10:{index:02}:00.000Z", index in invalidated, {})
        history.insert(
            0, StoredBuild(stored.id, stored.time, stored.invalidated, encode_evaluation_finished(event))
        )
    return history


def tutorial(rt: float, tp: float = 1.0, gr: float = 5.0) -> tuple[ValueSpec, ...]:
    return ((RT, rt), (TP, tp), (GR, gr))


TUTORIAL_BUILDS: list[Build] = [
    tutorial(0.004),
    tutorial(0.41),
    tutorial(0.08, tp=0.1),
    tutorial(0.15),
    ((RT, 0.05), (TP, 1.2)),  # go_routines never collected
    (failed(RT), (TP, 1.0), (GR, 4.0)),
    "slifail:prometheus answered 503",
    tutorial(0.12, gr=40.0),
    "abort",
    "error:no provider",
    tutorial(0.09, tp=0.9),
]
KEPTN_BUILDS: list[Build] = [
    (("response_time_p95", 500.0), ("throughput", 100.0), ("error_rate", 0.0)),
    (("response_time_p95", 540.0), ("throughput", 90.0), ("error_rate", 0.5)),
    (("response_time_p95", 700.0), ("throughput", 90.0), ("error_rate", 2.0)),
    (("response_time_p95", 590.0), ("error_rate", 0.0)),
    (("response_time_p95", 560.0), ("throughput", 80.0), ("error_rate", 0.9)),
]
RELATIVE_BUILDS: list[Build] = [
    (("rt", 100.0), ("errors", 0.0)),
    (("rt", 105.0), ("errors", 0.0)),  # baseline 100: limit 110
    (("rt", 110.0), ("errors", 0.0)),  # baseline avg(105, 100): limit 112.75
    (("rt", 108.0), ("errors", 2.0)),  # fails on errors: never a baseline
    (("rt", 116.0), ("errors", 0.0)),  # baseline avg(110, 105): limit 118.25
    (("rt", 115.0), ("errors", 0.0)),
]
DROPPED_SLO = f"""
objectives:
  - sli: {RT}
    displayName: now informational
total_score: {{pass: "80%", warning: "50%"}}
"""


@pytest.mark.parametrize(
    ("slo_text", "builds", "invalidated"),
    [
        (TUTORIAL_SLO, TUTORIAL_BUILDS, frozenset({3})),
        (KEPTN_SLO, KEPTN_BUILDS, frozenset()),
        (RELATIVE_SLO.format(limit=1000), RELATIVE_BUILDS, frozenset({2})),
    ],
    ids=["tutorial", "keptn-corpus", "relative"],
)
def test_replaying_the_unchanged_slo_reproduces_every_stored_verdict(
    slo_text: str, builds: list[Build], invalidated: frozenset[int]
) -> None:
    history = record(slo_text, builds, invalidated)
    replayed = replay_builds(slo_file(slo_text), history)
    assert [build.id for build in replayed] == [build.id for build in history]
    for stored, build in zip(history, replayed, strict=True):
        evaluation = stored.data["evaluation"]
        assert (build.new_result, build.new_score) == (stored.data["result"], evaluation["score"]), build.id
        assert (build.old_result, build.old_score) == (stored.data["result"], evaluation["score"])
        assert build.compared == tuple(evaluation.get("comparedEvents", ())), build.id
        assert build.flipped == ()
        assert not build.changed
    assert replayed[-1].labels == (("buildId", "0"),)


def test_a_tightened_objective_flips_exactly_the_builds_above_the_new_limit() -> None:
    history = record(TUTORIAL_SLO, TUTORIAL_BUILDS)
    tightened = TUTORIAL_SLO.replace('"<=0.2"', '"<=0.1"')
    replayed = {build.id: build for build in replay_builds(slo_file(tightened), history)}
    changed = sorted(build_id for build_id, build in replayed.items() if build.changed)
    assert changed == ["e003"]  # 0.15: the key SLI now fails
    flip = replayed["e003"].flipped[0]
    assert (flip.sli, flip.display_name, flip.old_status, flip.new_status) == (
        RT,
        "HTTP Response Time",
        PASS,
        FAIL,
    )
    assert flip.value == 0.15
    assert flip.criteria == (
        DecidingCriterion(PASS, Target("<=0.1", 0.1, True)),
        DecidingCriterion(WARNING, Target("<=0.1", 0.1, True)),
    )
    assert (replayed["e003"].old_score, replayed["e003"].new_score) == (100.0, 66.66666666666666)
    # 0.12 fails the key SLI now, but go_routines (40) had failed the build already
    assert (replayed["e007"].old_result, replayed["e007"].new_result, replayed["e007"].changed) == (
        FAIL,
        FAIL,
        False,
    )
    assert [(f.sli, f.old_status, f.new_status) for f in replayed["e007"].flipped] == [(RT, PASS, FAIL)]
    assert (replayed["e010"].new_result, replayed["e010"].flipped) == (PASS, ())  # 0.09: under the new limit
    assert not replayed["e000"].flipped
    assert not replayed["e004"].flipped


def test_builds_without_stored_values_are_reported_but_not_replayed() -> None:
    history = record(TUTORIAL_SLO, [*TUTORIAL_BUILDS[:2], "noslo"])
    history.insert(0, StoredBuild("broken", "2024-01-02T00:00:00.000Z", False, {"evaluation": "nope"}))
    replayed = replay_builds(slo_file(TUTORIAL_SLO), history)
    broken, noslo = replayed[0], replayed[1]
    assert broken.new_result is None
    assert broken.note.startswith("the stored evaluation cannot be read: ")
    assert noslo.new_result is None
    assert noslo.old_result == PASS
    assert not noslo.changed
    assert noslo.note.startswith("no SLI values were stored with this evaluation (no evaluation performed")


def test_errored_and_aborted_builds_replay_to_the_same_errored_verdict() -> None:
    history = record(TUTORIAL_SLO, ["abort", "error:provider down", "slifail:timeout"])
    replayed = replay_builds(slo_file(TUTORIAL_SLO.replace('"<=30"', '"<=1"')), history)
    assert [(b.old_result, b.new_result) for b in replayed] == [(FAIL, FAIL)] * 3
    assert replayed[2].note == "evaluation performed by lighthouse was aborted"
    assert replayed[1].note.endswith("unexpected error: provider down")
    assert replayed[0].note == ""
    assert [f.sli for f in replayed[0].flipped] == [GR]


def test_invalidated_builds_are_reported_but_never_compared_with() -> None:
    slo = RELATIVE_SLO.format(limit=1000)
    history = record(slo, RELATIVE_BUILDS, frozenset({1}))
    replayed = {build.id: build for build in replay_builds(slo_file(slo), history)}
    assert replayed["e001"].invalidated
    assert replayed["e001"].new_result == PASS
    assert all("e001" not in build.compared for build in replayed.values())
    assert replayed["e002"].compared == ("e000",)
    # invalidated only now (not at the time): the replay leaves it out, so build 2's baseline moves
    now_invalid = [StoredBuild(b.id, b.time, b.id == "e001", b.data) for b in record(slo, RELATIVE_BUILDS)]
    again = {build.id: build for build in replay_builds(slo_file(slo), now_invalid)}
    assert now_invalid[3].id == "e002"
    assert now_invalid[3].data["evaluation"]["comparedEvents"] == [
        "e001",
        "e000",
    ]
    assert again["e002"].compared == ("e000",)
    assert again["e004"].compared == ("e002", "e000")


def test_a_relative_baseline_follows_the_replayed_results_of_earlier_builds() -> None:
    history = record(RELATIVE_SLO.format(limit=1000), RELATIVE_BUILDS)
    stored = {build.id: build.data["evaluation"].get("comparedEvents") for build in history}
    assert stored["e004"] == ["e002", "e001"]  # 110 passed its absolute limit at the time
    replayed = {b.id: b for b in replay_builds(slo_file(RELATIVE_SLO.format(limit=110)), history)}
    assert (replayed["e002"].new_result, replayed["e002"].changed) == (WARNING, True)
    # only passing builds are baselines: build 2 no longer is, so build 4 compares with 1 and 0
    assert replayed["e004"].compared == ("e001", "e000")
    assert (replayed["e004"].old_result, replayed["e004"].new_result) == (PASS, WARNING)
    (flip,) = replayed["e004"].flipped
    assert (flip.sli, flip.old_status, flip.new_status, flip.value) == ("rt", PASS, WARNING, 116.0)
    assert [(item.kind, item.target.criteria, item.target.target_value) for item in flip.criteria] == [
        (PASS, "<=+10%", 112.75),
        (PASS, "<110", 110),
    ]
    assert replayed["e005"].compared == ("e001", "e000")
    assert replayed["e005"].new_result == WARNING


def test_objectives_without_a_stored_value_say_so() -> None:
    history = record(TUTORIAL_SLO, TUTORIAL_BUILDS[3:6])
    added = TUTORIAL_SLO.replace(
        "total_score:", "  - sli: cpu\n    pass:\n      - criteria: ['<=1']\ntotal_score:"
    )
    replayed = replay_builds(slo_file(added), history)
    assert [b.no_value_stored for b in replayed] == [("cpu",), (GR, "cpu"), ("cpu",)]
    cpu = [flip for flip in replayed[1].flipped if flip.sli == "cpu"]
    assert [(f.old_status, f.new_status, f.value, f.note) for f in cpu] == [
        (None, FAIL, None, NO_VALUE_STORED)
    ]
    assert [flip.sli for flip in replayed[0].flipped] == ["cpu"]  # the failed RT failed then and now
    removed = replay_builds(slo_file(DROPPED_SLO), history)[0]
    assert [(f.sli, f.old_status, f.new_status, f.value, f.note) for f in removed.flipped] == [
        (RT, FAIL, INFO, None, "query failed"),
        (TP, PASS, None, 1.0, ""),
        (GR, PASS, None, 4.0, ""),
    ]


def test_an_empty_or_unparsable_slo_replays_as_keptn_would() -> None:
    history = record(TUTORIAL_SLO, TUTORIAL_BUILDS[:2])
    empty = replay_builds(None, history)
    assert [(b.new_result, b.no_value_stored, b.compared) for b in empty] == [(PASS, (), ())] * 2
    broken = replay_builds(SLOFile("objectives: [", None), history)
    assert [(b.new_result, b.flipped, b.no_value_stored) for b in broken] == [(FAIL, (), ())] * 2
    assert broken[0].note.startswith("Could not parse SLO file")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (PASS, [(PASS, "<=1")]),
        (WARNING, [(PASS, "<=2")]),
        (FAIL, [(PASS, "<=2"), (WARNING, "<=3")]),
        (INFO, []),
    ],
)
def test_the_deciding_criteria_of_each_status(status: str, expected: list[tuple[str, str]]) -> None:
    passes = (Target("<=1", 1.0, False), Target("<=2", 2.0, True))
    warnings = (Target("<=3", 3.0, True), Target("<=4", 4.0, False))
    result = IndicatorResult(1, status, "x", False, SLIValue("x", 1.0, True), passes, warnings)
    assert [(item.kind, item.target.criteria) for item in deciding_criteria(result)] == expected


def test_changed_needs_a_new_result() -> None:
    assert not ReplayedBuild("x", "", (), False, PASS, 1.0, None, None).changed
    assert ReplayedBuild("x", "", (), False, PASS, 1.0, FAIL, 0.0).changed


def _lean(data: dict[str, Any]) -> EvaluationFinished:
    """The full decoder's answer without targets (what ``decode_stored`` must give)."""
    return decode_evaluation_finished(without_targets(data))


@pytest.mark.parametrize(("slo_text", "builds"), [(TUTORIAL_SLO, TUTORIAL_BUILDS), (KEPTN_SLO, KEPTN_BUILDS)])
def test_the_quick_decoder_reads_what_the_full_decoder_reads(slo_text: str, builds: list[Build]) -> None:
    for build in record(slo_text, builds):
        data = dict(build.data)
        assert decode_stored(data) == _lean(data)
        if data["evaluation"].get("indicatorResults"):
            assert decode_stored(data).evaluation.indicator_results[0].pass_targets is None  # type: ignore[index]


@pytest.mark.parametrize(
    "change",
    [
        {"keySli": None},  # the full decoder's default
        {"displayName": None},
        {"score": 1},
        {"value": None},
    ],
)
def test_irregular_indicator_results_take_the_full_decoder(change: dict[str, Any]) -> None:
    data = dict(record(TUTORIAL_SLO, TUTORIAL_BUILDS[:1])[0].data)
    items = [dict(item, **change) for item in data["evaluation"]["indicatorResults"]]
    data["evaluation"] = {**data["evaluation"], "indicatorResults": items}
    assert decode_stored(data) == _lean(data)


@pytest.mark.parametrize(
    ("item", "path"),
    [
        ({"score": "1", "status": "pass"}, "evaluation.indicatorResults[0].score"),
        ({"score": True, "status": "pass", "displayName": "", "keySli": False}, "indicatorResults[0].score"),
        (
            {"score": 1, "status": "pass", "displayName": "", "keySli": False, "value": {"metric": 3}},
            "metric",
        ),
        ("nope", "evaluation.indicatorResults[0]"),
    ],
)
def test_malformed_indicator_results_are_named_by_the_full_decoder(item: object, path: str) -> None:
    data = {"result": "pass", "evaluation": {"score": 1, "indicatorResults": [item]}}
    with pytest.raises(PayloadError) as caught:
        decode_stored(data)
    assert path in str(caught.value)


def test_an_unreadable_build_still_serves_as_lighthouse_would_read_it() -> None:
    """Malformed labels make a build unreadable for the replay, but lighthouse's history decoding
    reads its values: later builds compare with it as they did at the time."""
    slo = RELATIVE_SLO.format(limit=1000)
    history = record(slo, RELATIVE_BUILDS[:3])
    broken = StoredBuild(history[1].id, history[1].time, False, {**history[1].data, "labels": ["x"]})
    replayed = replay_builds(slo_file(slo), [history[0], broken, history[2]])
    assert replayed[1].new_result is None
    assert "labels" in replayed[1].note
    assert replayed[0].compared == ("e001", "e000")
    assert (replayed[0].new_result, replayed[0].new_score) == (history[0].data["result"], 100.0)
