"""Use cases over stored evaluations: list them, show one with its SLO, mark one as ignored."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from slogate.domain.evaluation.explain import explain
from slogate.domain.evaluation.slo import SLO
from slogate.domain.protocol.gate_events import EVALUATION_FINISHED, KeptnEvent
from slogate.domain.protocol.gate_json import PayloadError, decode_evaluation_finished
from slogate.errors import InputError, NotFoundError
from slogate.ports import DocumentLoader, EventStore
from slogate.services.usecases.id_prefix import unique_match
from slogate.services.usecases.offline_gate import GateReport, load_slo

ID_PAGE = 500  # evaluations read per query when a prefix is resolved


@dataclass(frozen=True, slots=True)
class StoredGate:
    """A stored evaluation and whether it is excluded from comparisons."""

    event: KeptnEvent
    invalidated: bool


def list_evaluations(
    store: EventStore, project: str | None, stage: str | None, service: str | None, limit: int
) -> list[StoredGate]:
    """The newest stored evaluations matching the given scope."""
    events = store.find(type=EVALUATION_FINISHED, project=project, stage=stage, service=service, limit=limit)
    ignored = store.invalidated_triggered_ids([event.triggeredid for event in events])
    return [StoredGate(event, event.triggeredid in ignored) for event in events]


def get_evaluation(store: EventStore, event_id: str) -> StoredGate:
    """One stored evaluation by its event id or a unique prefix of it (``InputError`` naming the
    candidates when several evaluations start with it)."""
    event = store.get(event_id)
    if event is None or event.type != EVALUATION_FINISHED:
        not_found = f"no evaluation with id '{event_id}' (see: slogate evaluations list)"
        full_id = unique_match(event_id, _evaluation_ids(store), "evaluation id", not_found)
        event = store.get(full_id)
        if event is None:  # deleted between the two reads
            raise NotFoundError(not_found)
    ignored = store.invalidated_triggered_ids([event.triggeredid])
    return StoredGate(event, event.triggeredid in ignored)


def _evaluation_ids(store: EventStore) -> Iterator[str]:
    """The id of every stored evaluation, newest first, read page by page."""
    offset = 0
    while True:
        page = store.find(type=EVALUATION_FINISHED, limit=ID_PAGE, offset=offset)
        yield from (event.id for event in page)
        if len(page) < ID_PAGE:
            return
        offset += ID_PAGE


def decode_slo_file(content: str) -> str:
    """The text of a base64 ``sloFileContent`` ('' for ''); ``ValueError`` when it is not base64 UTF-8."""
    try:
        return base64.b64decode(content, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise ValueError(f"sloFileContent is not base64 UTF-8 text: {error}") from error


def stored_slo_text(event: KeptnEvent) -> str | None:
    """The decoded ``sloFileContent`` of a stored evaluation, or None when missing or undecodable."""
    content = (event.data.get("evaluation") or {}).get("sloFileContent")
    if not isinstance(content, str) or not content:
        return None
    try:
        return decode_slo_file(content)
    except ValueError:
        return None


def paired_slo(text: str, results: Sequence[object] | None, load_document: DocumentLoader) -> SLO | None:
    """The SLO of ``text`` when it has one objective per indicator result (an errored evaluation
    carries the SLO but no results to pair with it)."""
    slo = load_slo(text, "sloFileContent", load_document).slo if text else None
    if slo is not None and len(slo.objectives) != len(results or ()):
        return None
    return slo


def report_of(stored: StoredGate, load_document: DocumentLoader) -> GateReport:
    """Rebuild the readable report from the stored payload and the SLO text it carries."""
    try:
        event = decode_evaluation_finished(dict(stored.event.data))
        text = decode_slo_file(event.evaluation.slo_file_content)
    except (PayloadError, ValueError) as error:
        raise InputError(f"evaluation {stored.event.id} cannot be shown: {error}") from error
    slo = paired_slo(text, event.evaluation.indicator_results, load_document)
    return GateReport(event, slo, explain(event, slo))
