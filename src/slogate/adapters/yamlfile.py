"""Read YAML safely into the domain's document tree, keeping each scalar's source text."""

from __future__ import annotations

from typing import Any

import yaml

from slogate.domain.document import Scalar
from slogate.errors import DocumentError

_SCALAR_TAGS = ("null", "bool", "int", "float", "binary", "timestamp", "str")


class _TextKeepingLoader(yaml.SafeLoader):
    """PyYAML's safe loader whose scalars become :class:`Scalar` (text as written + value)."""


def _keep_text(original: Any) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Scalar:
        return Scalar(node.value, original(loader, node))

    return construct


for _tag in _SCALAR_TAGS:
    _full_tag = f"tag:yaml.org,2002:{_tag}"
    _TextKeepingLoader.add_constructor(_full_tag, _keep_text(yaml.SafeLoader.yaml_constructors[_full_tag]))


def _plain_keys(node: object) -> object:
    """Mapping keys become their text, so that the domain indexes mappings by string."""
    if isinstance(node, dict):
        return {_key_text(key): _plain_keys(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain_keys(item) for item in node]
    return node


def _key_text(key: object) -> str:
    return key.text if isinstance(key, Scalar) else str(key)


def load_document(text: str, source: str) -> object:
    """Parse the first YAML document of ``text``; ``source`` names the file in errors."""
    try:
        documents = yaml.load_all(text, Loader=_TextKeepingLoader)
        document = next(iter(documents), None)
        return _plain_keys(document)
    except yaml.YAMLError as error:
        raise DocumentError(source, f"not valid YAML: {_describe(error)}") from error
    except RecursionError as error:
        raise DocumentError(source, "not valid YAML: nested too deeply") from error


def _describe(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark is None:
        return problem
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"


def load_plain(text: str, source: str) -> object:
    """Parse the first YAML document of ``text`` into plain Python values (configuration files whose
    values executors use as they are); ``source`` names the file in errors."""
    try:
        return next(iter(yaml.safe_load_all(text)), None)
    except yaml.YAMLError as error:
        raise DocumentError(source, f"not valid YAML: {_describe(error)}") from error
    except RecursionError as error:
        raise DocumentError(source, "not valid YAML: nested too deeply") from error
