"""Keptn's ``dynatrace/dynatrace.conf.yaml``: which secret holds the credentials (``dtCreds``).

Example::

    conf = parse_conf("spec_version: '0.1.0'\\ndtCreds: dt-$STAGE\\n", "dynatrace/dynatrace.conf.yaml")
    conf.credentials_secret("sockshop", "qa", "carts")   # -> "dt-qa"
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from slogate.adapters.yamlfile import safe_load
from slogate.errors import InputError

DEFAULT_SECRET = "dynatrace"
DASHBOARD_PROBLEM = (
    "dashboard mode is not supported by slogate: list the SLIs in dynatrace/sli.yaml "
    "(and remove 'dashboard' from dynatrace/dynatrace.conf.yaml)"
)
CONF_PLACEHOLDERS = ("$PROJECT", "$STAGE", "$SERVICE")
_SECRET_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9_.\-]{0,251}[A-Za-z0-9])?")
_ANY_PLACEHOLDER = re.compile(r"\$[A-Za-z_][A-Za-z0-9_.]*")


@dataclass(frozen=True, slots=True)
class DynatraceConf:
    """The fields of ``dynatrace.conf.yaml``; ``problems`` lists what slogate does not support."""

    spec_version: str = ""
    dt_creds: str = DEFAULT_SECRET
    dashboard: str = ""
    attach_rules: object = None
    problems: tuple[str, ...] = ()

    def credentials_secret(self, project: str, stage: str, service: str) -> str:
        """The secret's name with ``$PROJECT $STAGE $SERVICE`` replaced; ``InputError`` when the
        result is not a secret name."""
        name = self.dt_creds
        for placeholder, value in zip(CONF_PLACEHOLDERS, (project, stage, service), strict=True):
            name = name.replace(placeholder, value)
        if not _SECRET_NAME.fullmatch(name):
            raise InputError(
                f"dynatrace.conf.yaml dtCreds: {self.dt_creds!r} gives {name!r}, which is not a secret name "
                "(letters, digits, '-', '_' and '.')"
            )
        return name


def parse_conf(text: str, source: str) -> DynatraceConf:
    """The configuration in ``text``; ``InputError`` naming ``source`` and the field when it cannot be
    used. A non-empty ``dashboard`` is reported in ``problems`` (slogate reads SLIs from sli.yaml)."""
    try:
        document = safe_load(text)
    except yaml.YAMLError as error:
        raise InputError(f"{source}: not valid YAML: {getattr(error, 'problem', None) or error}") from error
    if document is None:
        return DynatraceConf()
    if not isinstance(document, dict):
        raise InputError(f"{source}: must be a mapping (spec_version, dtCreds, dashboard, attachRules)")
    values = {key: _text(source, document, key) for key in ("spec_version", "dtCreds", "dashboard")}
    creds = values["dtCreds"].strip() or DEFAULT_SECRET
    unknown = [name for name in _ANY_PLACEHOLDER.findall(creds) if name not in CONF_PLACEHOLDERS]
    if unknown:
        raise InputError(
            f"{source}: dtCreds: placeholder {unknown[0]} is not known (use {', '.join(CONF_PLACEHOLDERS)})"
        )
    dashboard = values["dashboard"].strip()
    return DynatraceConf(
        spec_version=values["spec_version"],
        dt_creds=creds,
        dashboard=dashboard,
        attach_rules=document.get("attachRules"),
        problems=(f"{source}: {DASHBOARD_PROBLEM}",) if dashboard else (),
    )


def _text(source: str, document: dict[object, object], key: str) -> str:
    value = document.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InputError(f"{source}: {key} must be a string, found {type(value).__name__}")
    return str(value)


def check_conf(text: str, source: str) -> list[str]:
    """The problems ``slogate lint`` reports for a ``dynatrace.conf.yaml``; empty when fine."""
    try:
        return list(parse_conf(text, source).problems)
    except InputError as error:
        return [str(error)]
