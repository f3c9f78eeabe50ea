"""Webhook requests rendered as Keptn renders them, into the HTTP calls to make.

Keptn's webhook-service renders each request with Go's ``text/template`` (``missingkey=error``) over
the CloudEvent as a map plus ``env`` (the ``envFrom`` secrets), then runs it as a curl command. This
module renders the actions webhooks use; any other action is an error saying what is supported:

* ``{{.data.project}}``, ``{{ .env.token }}``, ``{{.id}}``: a field path; a missing key is an error
  (``map has no entry for key "x"``), as with ``missingkey=error``;
* ``{{index .data.labels "build-id"}}``: keys that are not identifiers, list items (``index .l 0``);
  a missing map key renders as "", as Go's ``index`` yields no value;
* ``{{/* a comment */}}``; and the trim markers ``{{- `` and `` -}}``.

Strings render as they are, ``true``/``false``, numbers as written (``3``, ``1.5``, ``1000000``),
JSON ``null`` as "" (Go printed ``<no value>``), objects and lists as compact JSON (Go: ``map[k:v]``).

A rendered v1alpha1 ``curl …`` command, and a v1beta1 request's ``options``, are split with
:mod:`shlex` (no shell runs); only the options in :data:`CURL_OPTIONS` are accepted, and Keptn's
refused ones (``-o``, ``-F``, ``-T``, ``-K``, ``--data @file`` …) are refused with Keptn's messages.

Example::

    call = render_call(request, template_values(event, {"token": "…"}))
"""

from __future__ import annotations

import json
import re
import shlex
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slogate.adapters.executors.webhook_config import Request
from slogate.domain.protocol.gate_events import KeptnEvent
from slogate.domain.protocol.ingestion import format_rfc3339
from slogate.errors import InputError

SUPPORTED = 'supported are {{.field.path}}, {{index .field "key"}} and {{/* comments */}}'
_SPACE = " \t\r\n"
_IDENT = r"[^\W\d]\w*"
_FIELD = re.compile(rf"\.{_IDENT}(?:\.{_IDENT})*")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`|[^\s"`]+')
_INTEGER = re.compile(r"-?\d+")
_TRAILER = re.compile(r"(?:[ \t\r\n]+-)?}}")


class RequestError(InputError):
    """A request that cannot be made; ``message`` says why."""

    code = "invalid_request"


class TemplateError(RequestError):
    """A template that cannot be rendered (the message is worded as Go's errors are)."""

    code = "invalid_template"


class CurlError(RequestError):
    """A rendered request that cannot be called (a refused or unknown option, no URL, …)."""

    code = "invalid_curl"


def render_call(request: Request | str, values: Mapping[str, Any]) -> Call:
    """The HTTP call of a v1beta1 request or a v1alpha1 curl command, rendered over ``values``."""
    if isinstance(request, str):
        return curl_call(render(request, values))
    headers = tuple((render(key, values), render(value, values)) for key, value in request.headers)
    parts = (render(text, values) for text in (request.url, request.payload, request.options))
    url, payload, options = parts
    return request_call(Request(url, request.method, headers, payload, options))


def template_values(event: KeptnEvent, env: Mapping[str, str]) -> dict[str, Any]:
    """What templates see: the event as Keptn serialises it (``.data``, ``.id``, ``.type``, …) and
    ``.env`` with the webhook's secrets."""
    return {
        "contenttype": "application/json",
        "data": event.data,
        "env": dict(env),
        "gitcommitid": event.gitcommitid,
        "id": event.id,
        "shkeptncontext": event.shkeptncontext,
        "source": event.source,
        "specversion": "1.0",
        "time": format_rfc3339(event.time),
        "triggeredid": event.triggeredid,
        "type": event.type,
    }


def render(template: str, values: Mapping[str, Any]) -> str:
    """``template`` with every action replaced by its value; TemplateError when one cannot be."""
    pieces: list[str] = []
    position, trim_next = 0, False
    while True:
        start = template.find("{{", position)
        text = template[position:] if start < 0 else template[position:start]
        if trim_next:
            text = text.lstrip(_SPACE)
        if start < 0:
            pieces.append(text)
            return "".join(pieces)
        line = template.count("\n", 0, start) + 1
        inner, position, trim_left, trim_next = _scan(template, start, line)
        pieces.append(text.rstrip(_SPACE) if trim_left else text)
        if inner is not None:
            pieces.append(format_value(_evaluate(inner.strip(_SPACE), values, line)))


def format_value(value: Any) -> str:
    """How a value prints into a request (see the module's docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_plain)


def _plain(value: object) -> object:
    return dict(value) if isinstance(value, Mapping) else str(value)


def _scan(template: str, start: int, line: int) -> tuple[str | None, int, bool, bool]:
    """The action at ``start``: its text (None for a comment), where the text after it starts, and
    whether it trims the space before and after it."""
    index = start + 2
    trim_left = template.startswith("-", index) and template[index + 1 : index + 2] in tuple(_SPACE)
    if trim_left:
        index += 2
    if template.startswith("/*", index):
        close = template.find("*/", index + 2)
        trailer = _TRAILER.match(template, close + 2) if close >= 0 else None
        if trailer is None:
            raise TemplateError(f"template: :{line}: unclosed comment")
        return None, trailer.end(), trim_left, trailer.group(0) != "}}"
    end = index
    while not template.startswith("}}", end):
        if end >= len(template):
            raise TemplateError(f"template: :{line}: unclosed action")
        if template[end] in '"`':
            end = _after_quote(template, end, line)
        else:
            end += 1
    inner = template[index:end]
    trim_right = len(inner) >= 2 and inner[-1] == "-" and inner[-2] in _SPACE
    return (inner[:-1] if trim_right else inner), end + 2, trim_left, trim_right


def _after_quote(template: str, index: int, line: int) -> int:
    quote, index = template[index], index + 1
    while index < len(template) and template[index] != quote:
        index += 2 if quote == '"' and template[index] == "\\" else 1
    if index >= len(template):
        raise TemplateError(f"template: :{line}: unterminated quoted string")
    return index + 1


def _evaluate(action: str, values: Mapping[str, Any], line: int) -> Any:
    if not action:
        raise TemplateError(f"template: :{line}: missing value for command")
    tokens = _TOKEN.findall(action)
    if len(tokens) == 1 and _FIELD.fullmatch(tokens[0]):
        return _field(tokens[0], values, f'template: :{line}: executing "" at <{action}>')
    if tokens[0] == "index" and len(tokens) >= 2:
        return _index(tokens[1:], values, f'template: :{line}: executing "" at <{action}>')
    raise TemplateError(f"template: :{line}: unsupported action {{{{{action}}}}}: {SUPPORTED}")


def _field(path: str, values: Mapping[str, Any], where: str) -> Any:
    current: Any = values
    for name in path[1:].split("."):
        if isinstance(current, Mapping):
            if name not in current:
                raise TemplateError(f'{where}: map has no entry for key "{name}"')
            current = current[name]
        elif current is None:
            raise TemplateError(f"{where}: nil pointer evaluating interface {{}}.{name}")
        else:
            raise TemplateError(f"{where}: can't evaluate field {name} in type {_go_type(current)}")
    return current


def _index(arguments: Sequence[str], values: Mapping[str, Any], where: str) -> Any:
    current = _argument(arguments[0], values, where)
    for argument in arguments[1:]:
        key = _argument(argument, values, where)
        if isinstance(current, Mapping):
            if not isinstance(key, str):
                raise TemplateError(
                    f"{where}: error calling index: value has type {_go_type(key)}; should be string"
                )
            current = current.get(key)
        elif isinstance(current, list | tuple) and not isinstance(key, bool) and isinstance(key, int):
            if not 0 <= key < len(current):
                raise TemplateError(f"{where}: error calling index: index out of range: {key}")
            current = current[key]
        elif current is None:
            raise TemplateError(f"{where}: error calling index: index of untyped nil")
        else:
            raise TemplateError(f"{where}: error calling index: can't index item of type {_go_type(current)}")
    return current


def _argument(token: str, values: Mapping[str, Any], where: str) -> Any:
    if _FIELD.fullmatch(token):
        return _field(token, values, where)
    if token.startswith("`"):
        return token[1:-1]
    if token.startswith('"'):
        try:
            return str(json.loads(token))
        except ValueError:
            raise TemplateError(f"{where}: invalid string literal {token}") from None
    if _INTEGER.fullmatch(token):
        return int(token)
    raise TemplateError(f"{where}: unsupported argument {token} of index: {SUPPORTED}")


def _go_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    return "[]interface {}" if isinstance(value, list | tuple) else type(value).__name__


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP call; ``max_time``/``connect_timeout`` None: the executor's timeout applies."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    flags: frozenset[str] = frozenset()  # "insecure", "location" (follow redirects)
    max_time: float | None = None
    connect_timeout: float | None = None
    user: str = ""  # "name:password" for basic auth


_VALUED = {"-X": "method", "--request": "method", "-H": "header", "--header": "header", "-d": "data",
           "--data": "data", "--data-ascii": "data", "--data-binary": "data", "--data-raw": "raw",
           "--json": "json", "--url": "url", "-u": "user", "--user": "user", "-A": "agent",
           "--user-agent": "agent", "-m": "max_time", "--max-time": "max_time",
           "--connect-timeout": "connect_timeout"}  # fmt: skip
_FLAGS = {"-k": "insecure", "--insecure": "insecure", "-L": "location", "--location": "location",
          "-I": "head", "--head": "head", "-s": "", "--silent": "", "-S": "", "--show-error": "", "-f": "",
          "--fail": "", "--fail-with-body": "", "-v": "", "--verbose": "", "--compressed": ""}  # fmt: skip
_DENIED = ("-o", "--output", "-F", "--form", "-T", "--upload-file", "-K", "--config")  # as Keptn
CURL_OPTIONS = (*_VALUED, *_FLAGS)


def curl_call(command: str) -> Call:
    """The call of a rendered v1alpha1 ``curl …`` command."""
    tokens = _split(command, "curl command")
    if not tokens or tokens[0] != "curl":
        raise CurlError("only curl commands are allowed to be executed")
    return _call(_options(tokens[1:]), "")


def request_call(request: Request) -> Call:
    """The call of a rendered v1beta1 request (``options`` are curl options)."""
    given = [("url", request.url), *(("header", f"{key}: {value}") for key, value in request.headers)]
    given += [("data", request.payload)] if request.payload else []
    return _call([*given, *_options(_split(request.options, "options"))], request.method)


def _split(text: str, what: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as error:
        raise CurlError(f"could not parse {what}: {error}") from None


def _options(tokens: list[str]) -> list[tuple[str, str]]:
    """(kind, value) of each option and URL in ``tokens``; ``-sSL`` is three flags."""
    options, index = [], 0
    while index < len(tokens):
        token, index = tokens[index], index + 1
        if not token.startswith("-") or token == "-":
            options.append(("url", token))
            continue
        denied = next((option for option in _DENIED if token.startswith(option)), None)
        if denied is not None:
            raise CurlError(f"curl command contains invalid option '{denied}'")
        long = token.startswith("--")
        name, _, value = token.partition("=") if long else (token[:2], "", token[2:])
        if name in _VALUED:
            if name == token:
                if index == len(tokens):
                    raise CurlError(f"curl option '{name}' needs a value")
                value, index = tokens[index], index + 1
            options.append((_VALUED[name], value))
        elif name in _FLAGS and not (long and value):
            options += [(_FLAGS[name], "")] + (_options([f"-{c}" for c in value]) if value else [])
        else:
            raise CurlError(f"curl option '{name}' is not supported (supported: {', '.join(CURL_OPTIONS)})")
    return options


def _call(options: list[tuple[str, str]], method: str) -> Call:
    urls, headers, data, numbers, flags, user = [], [], [], {}, set(), ""
    for kind, value in options:
        if kind in ("data", "json") and value.startswith("@"):
            raise CurlError("file uploads using @ in --data is not allowed")
        if kind == "url":
            urls.append(value)
        elif kind in ("header", "agent"):
            key, colon, text = value.partition(":") if kind == "header" else ("User-Agent", ":", value)
            if not colon or not key.strip():
                raise CurlError(f"curl header '{value}' is not 'Name: value'")
            headers.append((key.strip(), text.strip()))
        elif kind in ("data", "raw", "json"):
            data.append(value)
            flags.add(kind)
        elif kind in ("max_time", "connect_timeout"):
            numbers[kind] = _seconds(value, kind)
        elif kind in ("method", "user"):
            method, user = (value, user) if kind == "method" else (method, value)
        else:
            flags.add(kind)
    body = "&".join(data) if data else None
    return Call(
        method=method or ("HEAD" if "head" in flags else "POST" if data else "GET"),
        url=_url(urls),
        headers=tuple(_defaults(headers, body, "json" in flags)),
        body=body,
        flags=frozenset(flags & {"insecure", "location"}),
        max_time=numbers.get("max_time"),
        connect_timeout=numbers.get("connect_timeout"),
        user=user,
    )


def _url(urls: list[str]) -> str:
    if not urls or not urls[0]:
        raise CurlError("curl command contains empty URL")
    if len(urls) > 1:
        raise CurlError(f"curl command names {len(urls)} URLs; a request calls one")
    url = urls[0] if "://" in urls[0] else "http://" + urls[0]  # curl's default scheme
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise CurlError(f"only http:// and https:// URLs can be called, not {scheme}://")
    return url


def _defaults(headers: list[tuple[str, str]], body: str | None, json: bool) -> list[tuple[str, str]]:
    """curl's default headers: a form (or ``--json``) content type for a body."""
    names = {key.lower() for key, _ in headers}
    if body is not None and "content-type" not in names:
        headers.append(("Content-Type", "application/json" if json else "application/x-www-form-urlencoded"))
    if json and "accept" not in names:
        headers.append(("Accept", "application/json"))
    return headers


def _seconds(value: str, kind: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        option = "--" + kind.replace("_", "-")
        raise CurlError(f"curl option '{option}' needs a positive number of seconds, got '{value}'")
    return seconds
