"""What clients send to the catalog, checked before anything is looked up: Keptn's ``gitCredentials``
(validated as Keptn did, then ignored: slogate keeps no git upstream) and evaluation requests."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field

from slogate.domain.evaluation.window import END_WITHOUT_START, TIMEFRAME_WITH_END
from slogate.errors import InputError

INVALID_PAYLOAD = "Could not validate payload: {}"
INVALID_REQUEST = "Invalid request format: {}"
START_WITHOUT_END = "timeframe or end time specifications need to be specified when using start parameter"
GIT_URL_INVALID = (
    "provided gitRemoteURL is not valid: only http, https or ssh protocols are supported in gitRemoteURL"
)
GIT_AUTH_BOTH = "SSH and HTTPS authorization cannot be used together"
GIT_KEY_NOT_BASE64 = "could not decode privateKey content"
GIT_CERTIFICATE_NOT_BASE64 = "could not decode PEM Certificate content"
_GIT_SCHEMES = ("https://", "http://", "ssh://")


@dataclass(frozen=True, slots=True)
class GitCredentials:
    """The parts of Keptn's ``gitCredentials`` that are validated (slogate keeps no git upstream)."""

    remote_url: str = ""
    https: bool = False
    ssh: bool = False
    private_key: str = ""
    certificate: str = ""


@dataclass(frozen=True, slots=True)
class EvaluationRequest:
    """The body of ``POST …/evaluation``; times as ISO 8601 or ``2006-01-02T15:04:05``."""

    start: str = ""
    end: str = ""
    timeframe: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    gitcommitid: str = ""


def check_git(git: GitCredentials | None) -> None:
    """Keptn's checks of ``gitCredentials`` (accepted for compatibility; slogate uses no upstream)."""
    if git is None:
        return
    problem = None
    if git.remote_url and not git.remote_url.startswith(_GIT_SCHEMES):
        problem = GIT_URL_INVALID
    elif git.https and git.ssh:
        problem = GIT_AUTH_BOTH
    elif git.ssh and git.private_key and not _is_base64(git.private_key):
        problem = GIT_KEY_NOT_BASE64
    elif git.https and git.certificate and not _is_base64(git.certificate):
        problem = GIT_CERTIFICATE_NOT_BASE64
    if problem is not None:
        raise InputError(INVALID_PAYLOAD.format(problem))


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(text.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def check_evaluation_request(request: EvaluationRequest) -> None:
    """The handler's checks of an evaluation request, before anything is looked up."""
    problem = None
    if request.timeframe and request.end:
        problem = TIMEFRAME_WITH_END
    elif request.start and not request.timeframe and not request.end:
        problem = START_WITHOUT_END
    elif request.end and not request.start:
        problem = END_WITHOUT_START
    if problem is not None:
        raise InputError(INVALID_REQUEST.format(problem))
