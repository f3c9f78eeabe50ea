"""Keptn's property merge for sequence payloads (keptn-v1-spec §3.11), with its number/boolean quirk fixed.

``merge(old, new)``: two objects merge key by key; two lists concatenate as ``new + old`` (no
de-duplication, so URI lists grow across tasks and stages, as in Keptn); anything else takes the
new value unless the new value is null. Keptn keeps an old number or boolean (its type switch
has no case for them), so a later task could never change ``actionIndex`` or a flag; slogate lets
the new value win (docs/compatibility.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def merge(old: Any, new: Any) -> Any:
    """The merge of ``new`` into ``old``; neither argument is modified."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        return _merge_objects(old, new)
    if isinstance(old, list) and isinstance(new, list):
        return [*new, *old]
    return old if new is None else new


def _merge_objects(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for key, value in new.items():
        merged[key] = value if merged.get(key) is None else merge(merged[key], value)
    return merged
