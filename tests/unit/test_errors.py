"""One error tree: every deliberate error is a SlogateError with a stable code, mapped once to Keptn's
``{code, message}`` (with its HTTP status) and once to the CLI's one-line error."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
import typer
from typer.testing import CliRunner

import slogate
from slogate.adapters.executors.webhook import WebhookError
from slogate.adapters.executors.webhook_config import WebhookConfigError
from slogate.adapters.executors.webhook_template import CurlError, RequestError, TemplateError
from slogate.adapters.plugins import PluginError
from slogate.adapters.providers.promql import QueryError
from slogate.api.errors import ApiError, status_of
from slogate.api.limits import BodyTooLargeError
from slogate.cli.app import app as slogate_app
from slogate.cli.errors import ErrorMappingGroup
from slogate.domain.evaluation.criteria import CriterionError
from slogate.domain.evaluation.objectives import InvalidPassCriterionError
from slogate.domain.evaluation.scoring import TotalScoreError
from slogate.domain.evaluation.slo_parser import SLOParseError
from slogate.domain.evaluation.window import WindowError
from slogate.domain.protocol.gate_json import PayloadError
from slogate.domain.protocol.ingestion import RejectedEventError
from slogate.domain.protocol.sequence_json import SequenceDocumentError
from slogate.domain.sequencing.entity_names import EntityNameError
from slogate.domain.sequencing.executor_plan import ExecutorPlanError
from slogate.domain.sequencing.shipyard import ShipyardError
from slogate.errors import InputError, NotFoundError, SlogateError, StoredDataError
from slogate.web.pages import LoginRequiredError

FORMERLY_AD_HOC = (
    CriterionError, WindowError, InvalidPassCriterionError, SLOParseError, TotalScoreError, PayloadError,
    SequenceDocumentError, RejectedEventError, ExecutorPlanError, ShipyardError, EntityNameError, QueryError,
    WebhookError, RequestError, TemplateError, CurlError, WebhookConfigError, BodyTooLargeError,
    LoginRequiredError, ApiError,
)  # fmt: skip


def _tree(root: type[SlogateError]) -> list[type[SlogateError]]:
    found = [root]
    for child in root.__subclasses__():
        found += _tree(child)
    return found


def _import_everything() -> None:
    for module in pkgutil.walk_packages(slogate.__path__, "slogate."):
        if not module.name.endswith("__main__") and ".migrations" not in module.name:  # alembic scripts
            importlib.import_module(module.name)


def test_every_exception_class_of_slogate_is_in_the_tree() -> None:
    """No exception class outside errors.py escapes the root (each was an ad-hoc one before)."""
    _import_everything()
    for kind in FORMERLY_AD_HOC:
        assert issubclass(kind, SlogateError), kind
    outside = [
        f"{kind.__module__}.{kind.__qualname__}"
        for kind in _every_subclass(Exception)
        if kind.__module__.startswith("slogate") and not issubclass(kind, SlogateError)
    ]
    assert outside == []


def _every_subclass(kind: type[BaseException]) -> list[type[BaseException]]:
    found: list[type[BaseException]] = []
    for child in kind.__subclasses__():
        found += [child, *_every_subclass(child)]
    return found


def test_every_error_has_a_stable_code_of_its_own_kind() -> None:
    _import_everything()
    tree = _tree(SlogateError)
    assert all(isinstance(kind.code, str) and kind.code for kind in tree)
    own = [kind.code for kind in tree if "code" in vars(kind)]
    assert len(own) == len(set(own)), sorted(own)
    assert len(own) >= 25


def test_domain_errors_stay_value_errors() -> None:
    """Callers that caught ValueError from the domain's parsers still do."""
    assert issubclass(WindowError, ValueError)
    assert issubclass(ShipyardError, InputError)
    assert WindowError("a window of -5m").message == "a window of -5m"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (WindowError("no window"), 400),
        (RejectedEventError("type is missing"), 400),
        (NotFoundError("no project x"), 404),
        (BodyTooLargeError(64 * 1024), 413),
        (ApiError(418, "teapot"), 418),
        (SequenceDocumentError("damaged"), 500),
        (StoredDataError("damaged"), 500),
        (PluginError("no plugin"), 500),
    ],
)
def test_the_api_maps_each_error_to_one_status(error: SlogateError, status: int) -> None:
    assert status_of(error) == status


def test_the_cli_maps_any_slogate_error_a_command_raises_to_one_line() -> None:
    """Even a command that does not handle it: the group maps it (exit 2, no traceback)."""
    app = typer.Typer(cls=ErrorMappingGroup)

    @app.command()
    def window() -> None:
        raise WindowError("'yesterday' is not a time")

    @app.command()
    def other() -> None:
        pass

    result = CliRunner().invoke(app, ["window"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: 'yesterday' is not a time"
    assert "Traceback" not in result.output
    assert isinstance(typer.main.get_command(slogate_app), ErrorMappingGroup)
