"""Pure helpers of the resource-service: URI normalisation and unescaping, base64, paging keys, levels."""

from __future__ import annotations

import base64
import urllib.parse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slogate.api.resources import unescape_uri
from slogate.errors import InputError
from slogate.ports import ResourceLevel
from slogate.services.usecases.paging import next_page_key
from slogate.services.usecases.resources import decode_content, normalize_uri, page_offset

SAFE_PARTS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/~."),
    min_size=1,
    max_size=12,
)


@pytest.mark.parametrize(
    ("uri", "canonical"),
    [
        ("slo.yaml", "slo.yaml"),
        ("/slo.yaml", "slo.yaml"),
        ("prometheus/sli.yaml", "prometheus/sli.yaml"),
        ("prometheus//sli.yaml", "prometheus/sli.yaml"),
        ("./helm/./carts.tgz", "helm/carts.tgz"),
        ("jmeter/", "jmeter"),
        (".keptn", ".keptn"),
    ],
)
def test_normalize_uri(uri: str, canonical: str) -> None:
    """Leading, repeated and trailing '/' and '.' parts go; everything else stays."""
    assert normalize_uri(uri) == canonical


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("../x", "it must not contain '~' or '..'"),
        ("a/../../x", "it must not contain '~' or '..'"),
        ("a..b", "it must not contain '~' or '..'"),
        ("~/x", "it must not contain '~' or '..'"),
        ("", "it names no file"),
        ("/./", "it names no file"),
        ("a\nb", "it must not contain control characters"),
    ],
)
def test_normalize_uri_refuses(uri: str, reason: str) -> None:
    """Keptn refuses '~' and '..' anywhere; an empty URI or control characters are refused too."""
    with pytest.raises(InputError, match="invalid resource uri") as raised:
        normalize_uri(uri)
    assert raised.value.message.endswith(reason)


@given(st.lists(SAFE_PARTS, min_size=1, max_size=5))
def test_normalize_uri_is_idempotent(parts: list[str]) -> None:
    """A canonical URI is its own canonical form."""
    canonical = normalize_uri("/".join(parts))
    assert normalize_uri(canonical) == canonical


@given(st.lists(SAFE_PARTS, min_size=1, max_size=5))
def test_query_escaped_uris_round_trip(parts: list[str]) -> None:
    """What Go's url.QueryEscape (Python's quote_plus with no safe characters) sends comes back unchanged."""
    uri = "/".join(parts)
    assert unescape_uri(urllib.parse.quote_plus(uri, safe="")) == uri


@pytest.mark.parametrize(
    ("raw", "uri"),
    [
        ("prometheus%2Fsli.yaml", "prometheus/sli.yaml"),
        ("prometheus/sli.yaml", "prometheus/sli.yaml"),
        ("my+file", "my file"),
        ("c%2B%2B", "c++"),
        ("d%C3%ADa", "día"),
        ("%7e", "~"),
    ],
)
def test_unescape_uri(raw: str, uri: str) -> None:
    """%-escapes are decoded once, '+' is a space (QueryUnescape)."""
    assert unescape_uri(raw) == uri


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("50%", "malformed %-escape"),
        ("%g1", "malformed %-escape"),
        ("%ff%fe", "it is not UTF-8 once unescaped"),
    ],
)
def test_unescape_uri_refuses(raw: str, reason: str) -> None:
    """A broken escape or non-UTF-8 bytes are an invalid resource uri."""
    with pytest.raises(InputError) as raised:
        unescape_uri(raw)
    assert raised.value.message == f"invalid resource uri '{raw}': {reason}"


@given(st.binary(max_size=300))
def test_decode_content_round_trips_base64(data: bytes) -> None:
    """Standard base64, with or without MIME line breaks, decodes to the bytes."""
    assert decode_content("x", base64.b64encode(data).decode()) == data
    assert decode_content("x", base64.encodebytes(data).decode().replace("\n", "\r\n")) == data


@pytest.mark.parametrize("text", ["not base64!", "YQ", "YWJj=", "YW Jj", "ü"])
def test_decode_content_refuses(text: str) -> None:
    """Characters outside the alphabet, spaces and wrong padding are Keptn's 'not base64 encoded'."""
    with pytest.raises(InputError, match=r"^resource content is not base64 encoded: slo.yaml$"):
        decode_content("slo.yaml", text)


@pytest.mark.parametrize(("key", "offset"), [("", 0), ("0", 0), ("20", 20), ("140", 140)])
def test_page_offset(key: str, offset: int) -> None:
    """The key is the offset of the page; empty means the first."""
    assert page_offset(key) == offset


@pytest.mark.parametrize("key", ["-1", "abc", "1.5", "٣", " 2"])
def test_page_offset_refuses(key: str) -> None:
    """Anything but ASCII digits is refused."""
    with pytest.raises(InputError, match="invalid nextPageKey"):
        page_offset(key)


@pytest.mark.parametrize(
    ("offset", "size", "total", "key"),
    [(0, 20, 25, "20"), (20, 20, 25, "0"), (0, 20, 20, "0"), (0, 20, 0, "0"), (10, 5, 16, "15")],
)
def test_next_page_key(offset: int, size: int, total: int, key: str) -> None:
    """Keptn's rule: the next offset while it is below the total, else "0"."""
    assert next_page_key(offset, size, total) == key


def test_resource_level_descriptions_and_rules() -> None:
    """Levels describe themselves for messages; a service needs a stage and every level a project."""
    assert str(ResourceLevel("p")) == "project 'p'"
    assert str(ResourceLevel("p", "qa")) == "stage 'qa' of project 'p'"
    assert str(ResourceLevel("p", "qa", "carts")) == "service 'carts' in stage 'qa' of project 'p'"
    assert ResourceLevel("p", "qa", "carts").history == "stage 'qa' of project 'p'"
    assert ResourceLevel("p").history == "project 'p'"
    with pytest.raises(ValueError, match="a service needs a stage"):
        ResourceLevel("p", "", "carts")
    with pytest.raises(ValueError, match="invalid resource level"):
        ResourceLevel("")
