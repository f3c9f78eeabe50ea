"""What is wrong with a Keptn file (slo.yaml, a provider's sli.yaml, webhook.yaml, remediation.yaml, slogate's
executor and deployment files, a shipyard), found by the same parsers that use the file.

Each kind is recognised by its resource URI (uploads) or, for ``slogate lint``, by its content first
and its file name second. Problems are reported as Keptn would meet them: an error where the file
fails when it is used, a warning where Keptn accepts it but silently ignores something. ``strict``
makes slogate's extra checks (unknown keys and the like) errors too.

The kinds whose parsers live in adapters (webhook, executors, deployment) come in as ``FileCheck``
functions from the composition root; slo.yaml, sli.yaml, remediation.yaml and shipyards are checked here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from slogate.domain.document import is_null
from slogate.domain.evaluation.lint import lint_coverage, lint_slo
from slogate.domain.file_kinds import (
    OTHER,
    REMEDIATION,
    SHIPYARD,
    SLI,
    SLO,
    FileCheck,
    kind_of_document,
    kind_of_path,
    kind_of_uri,
)
from slogate.domain.problems import Problem, Severity
from slogate.domain.sequencing.remediation import parse_remediation
from slogate.domain.sequencing.shipyard import ShipyardError, parse_shipyard, validate_shipyard
from slogate.errors import DocumentError, InputError
from slogate.services.usecases import offline_gate

if TYPE_CHECKING:
    from slogate.ports import DocumentLoader

_SLI_KEYS = ("spec_version", "indicators")


@dataclass(frozen=True, slots=True)
class FileReport:
    """The problems of one file of a known kind."""

    uri: str
    kind: str
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that are errors."""
        return tuple(p for p in self.problems if p.severity == Severity.ERROR)


QueryCheck = Callable[[str], list[str]]


def provider_of(source: str) -> str:
    """The provider an sli.yaml belongs to, by its folder (``dynatrace/sli.yaml`` → ``dynatrace``)."""
    parts = source.replace("\\", "/").rsplit("/", 2)
    return parts[-2].lower() if len(parts) >= 2 else ""


class FileChecks:
    """Checks files by kind; ``checks`` adds the kinds whose parsers live in adapters."""

    def __init__(
        self,
        load_document: DocumentLoader,
        checks: Mapping[str, FileCheck],
        query_checks: Mapping[str, QueryCheck] | None = None,
    ) -> None:
        self._load = load_document
        self._query_checks = dict(query_checks or {})  # per provider: the problems of one sli.yaml query
        self._checks: dict[str, FileCheck] = {
            SLO: self._slo,
            SLI: self._sli,
            SHIPYARD: self._shipyard,
            REMEDIATION: self._remediation,
            **checks,
        }

    def recognise(self, text: str, path: str) -> str | None:
        """The kind of a local file: by its content when it parses and says, else by its name."""
        try:
            by_content = kind_of_document(self._load(text, path))
        except DocumentError:
            by_content = None
        if by_content == OTHER:
            return None
        return by_content or kind_of_path(path)

    def check(self, kind: str, text: str, source: str, *, strict: bool = False) -> tuple[Problem, ...]:
        """The problems of ``text`` read as ``kind`` (``source`` names it in messages)."""
        check = self._checks.get(kind)
        if check is None:
            return ()
        return tuple(sorted(check(text, source, strict), key=lambda p: p.severity != Severity.ERROR))

    def coverage(
        self, slo: tuple[str, str], sli: tuple[str, str], default_slis: Collection[str]
    ) -> tuple[Problem, ...]:
        """Objectives of an SLO (text, source) without a query in an sli.yaml (text, source), and queries
        no objective uses, as ``slo lint --sli`` reports them; nothing when either does not parse."""
        loaded = offline_gate.load_slo(slo[0], slo[1], self._load)
        try:
            indicators = offline_gate.load_indicators(sli[0], sli[1], self._load)
        except InputError:
            return ()
        if loaded.slo is None:
            return ()
        return tuple(lint_coverage(loaded.slo, indicators, sli[1], default_slis))

    def check_uploads(self, files: Mapping[str, bytes], *, strict: bool = False) -> tuple[FileReport, ...]:
        """The reports of the uploaded files of a known kind that have problems."""
        reports = []
        for uri, content in files.items():
            kind = kind_of_uri(uri)
            if kind is None or kind not in self._checks:
                continue
            try:
                text = content.decode("utf-8")
            except UnicodeDecodeError:
                problems: tuple[Problem, ...] = (Problem("", "not UTF-8 text: Keptn cannot read this file"),)
            else:
                problems = self.check(kind, text, uri, strict=strict)
            if problems:
                reports.append(FileReport(uri, kind, problems))
        return tuple(reports)

    def _slo(self, text: str, source: str, strict: bool) -> list[Problem]:
        loaded = offline_gate.load_slo(text, source, self._load)
        problems = list(loaded.problems)
        if loaded.slo is None and loaded.file is not None:
            return problems  # Keptn cannot decode it: every evaluation with it errors
        if not strict:  # what Keptn accepts and silently ignores (unknown keys, an empty file)
            problems = [replace(problem, severity=Severity.WARNING) for problem in problems]
        if loaded.slo is not None:
            problems += lint_slo(loaded.slo)
        return problems

    def _sli(self, text: str, source: str, strict: bool) -> list[Problem]:
        try:
            document = self._load(text, source)
            if is_null(document):  # the provider reads no queries: only its default SLIs work
                return [
                    Problem("", "the file is empty: only the provider's default SLIs work", Severity.WARNING)
                ]
            indicators = offline_gate.load_indicators(text, source, self._load)
        except DocumentError as error:
            return [Problem("", error.detail)]
        except InputError as error:
            return [Problem("", error.message.removeprefix(f"{source}: "))]
        severity = Severity.ERROR if strict else Severity.WARNING
        problems = [
            Problem(
                str(key), f"unknown key '{key}' is ignored (known keys: {', '.join(_SLI_KEYS)})", severity
            )
            for key in (document if isinstance(document, Mapping) else {})  # load_indicators checked it
            if str(key) not in _SLI_KEYS
        ]
        if not indicators:  # fine for an SLO on the provider's default SLIs only: never an error
            problems.append(
                Problem("indicators", "no queries: only the provider's default SLIs work", Severity.WARNING)
            )
        check_query = self._query_checks.get(provider_of(source))
        if check_query is not None:
            problems += [
                Problem(f"indicators.{name}", message)
                for name, query in indicators.items()
                for message in check_query(query)
            ]
        return problems

    def _shipyard(self, text: str, source: str, strict: bool) -> list[Problem]:
        try:
            document = self._load(text, source)
            if is_null(document):
                raise ShipyardError("the file is empty: a shipyard needs apiVersion, kind and spec.stages")
            validate_shipyard(parse_shipyard(document))
        except DocumentError as error:
            return [Problem("", error.detail)]
        except ShipyardError as error:
            return [Problem("", " ".join("; ".join([str(error), *error.problems]).split()))]
        return []

    def _remediation(self, text: str, source: str, strict: bool) -> list[Problem]:
        """What makes Keptn's remediation-service refuse the file (its get-action then errors)."""
        try:
            document = self._load(text, source)
        except DocumentError as error:
            return [Problem("", error.detail)]
        return parse_remediation(document)[1]


STRICT_HINT = "uploads are strict (SLOGATE_STRICT_UPLOADS); fix the file and upload it again"


class UploadChecks:
    """What the resource service does with the files of an upload: check those of a known kind; when
    uploads are strict, refuse an upload with an error (Keptn's 400), else let it through with its
    problems (Keptn accepts any file)."""

    def __init__(self, checks: FileChecks, *, strict: bool = False) -> None:
        self._checks = checks
        self._strict = strict

    def check(self, files: Mapping[str, bytes]) -> tuple[FileReport, ...]:
        """The problems of the files; ``InputError`` naming each file and field when strict."""
        reports = self._checks.check_uploads(files, strict=self._strict)
        errors = [f"{report.uri}: {problem}" for report in reports for problem in report.errors]
        if self._strict and errors:
            raise InputError(f"{'; '.join(errors)} ({STRICT_HINT})")
        return reports


def no_checks(files: Mapping[str, bytes]) -> tuple[FileReport, ...]:
    """The resource service's default: files are stored as they are, unchecked."""
    return ()
