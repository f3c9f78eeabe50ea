"""The webhook executor calls only destinations it checked, at the address it checked (SSRF attack run)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.support.webhook_server import Server, beta, certificate, run, serving

HINT = "if it is your own host, add it to SLOGATE_WEBHOOK_ALLOW_LIST"


@pytest.fixture
def server() -> Iterator[Server]:
    with serving() as httpd:
        yield httpd


class StubResolver:
    """A resolver stub answering ``answers`` in turn (the last one again), recording each name asked for."""

    def __init__(self, *answers: Sequence[str]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    async def __call__(self, name: str) -> Sequence[str]:
        self.calls.append(name)
        return self.answers[min(len(self.calls), len(self.answers)) - 1]


def get(url: str, options: str = "") -> str:
    return beta(f'- {{url: "{url}", method: GET, options: "{options}"}}')


def test_loopback_is_denied_by_default(server: Server) -> None:
    result = run(get(f"{server.url}/text"), allow=())
    assert (result.status, result.result) == ("errored", "fail")
    assert result.message == (
        f"could not execute request 'curl --request GET {server.url}/text': denied URL: host '127.0.0.1' is "
        f"the address 127.0.0.1, in '127.0.0.0/8' (loopback) of the default deny list; {HINT}"
    )
    assert server.received == []


@pytest.mark.parametrize(
    ("host", "written"),
    [
        ("[::ffff:7f00:1]", "::ffff:7f00:1"),
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
        ("2130706433", "2130706433"),
        ("0x7f.1", "0x7f.1"),
        ("017700000001", "017700000001"),
        ("127.1", "127.1"),
        ("127.0.0.1.", "127.0.0.1."),
    ],
)
def test_every_spelling_of_loopback_is_refused_and_with_the_allow_list_reaches_loopback(
    server: Server, host: str, written: str
) -> None:
    url = f"http://{host}:{server.port}/text"
    refused = run(get(url), allow=())
    assert refused.message.endswith(
        f": denied URL: host '{written}' is the address 127.0.0.1, in '127.0.0.0/8' (loopback) of the "
        f"default deny list; {HINT}"
    )
    assert server.received == []
    allowed = run(get(url))  # the allow list names 127.0.0.1: every spelling of it is that address
    assert allowed.data == {"test": {"responses": ["plain text"]}}
    assert [r.path for r in server.received] == ["/text"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (
            "http://169.254.169.254/latest/meta-data/",
            "in '169.254.0.0/16' (link-local: cloud metadata service)",
        ),
        (
            "http://[fd00:ec2::254]/latest/",
            "in 'fc00::/7' (unique local: private network, cloud metadata service)",
        ),
        ("http://metadata.google.internal/computeMetadata/v1/", "matches 'metadata.google.internal'"),
        ("https://KUBERNETES.default.svc/api", "matches 'kubernetes.default.svc' (Kubernetes API"),
        ("https://kubernetes.default.svc./api", "matches 'kubernetes.default.svc' (Kubernetes API"),
        ("http://db.prod.svc.cluster.local/", "matches 'svc.cluster.local' (Kubernetes API"),
        ("http://10.0.0.1/", "in '10.0.0.0/8' (private network (RFC 1918))"),
        ("http://100.64.0.1/", "in '100.64.0.0/10' (shared address space (RFC 6598))"),
        ("http://0.0.0.0:9/", "in '0.0.0.0/8' (this network)"),
        ("http://[::]:9/", "in '::/128' (unspecified)"),
        ("http://[::1]:9/", "in '::1/128' (loopback)"),
    ],
)
def test_metadata_private_and_cluster_destinations_are_refused_by_default(url: str, reason: str) -> None:
    resolver = StubResolver(["203.0.113.7"])  # a name is refused before it is resolved
    message = run(get(url), allow=(), resolver=resolver).message
    assert ": denied URL: host '" in message
    assert reason in message
    assert message.endswith(f"of the default deny list; {HINT}")
    assert resolver.calls == []


def test_names_are_matched_whole_and_case_insensitively(server: Server) -> None:
    resolver = StubResolver(["127.0.0.1"])
    denied = run(
        get(f"http://API.Hooks.TEST.:{server.port}/text"), {"denyList": ["hooks.test"]}, resolver=resolver
    )
    assert denied.message.endswith(
        ": denied URL: host 'api.hooks.test.' matches 'hooks.test' of the task's denyList"
    )
    passed = run(
        get(f"http://myhooks.test:{server.port}/text"), {"denyList": ["hooks.test"]}, resolver=resolver
    )
    assert passed.status == "succeeded"
    assert [r.headers["host"] for r in server.received] == [f"myhooks.test:{server.port}"]


def test_a_redirect_to_a_denied_host_is_refused(server: Server) -> None:
    for target in (f"http://127.0.0.2:{server.port}/text", f"http://localhost:{server.port}/text"):
        result = run(get(f"{server.url}/redirect?to={target}", "--location"))
        assert result.status == "errored"
        assert f"': redirect to {target}: denied URL: host '" in result.message
    assert [r.path.split("?")[0] for r in server.received] == ["/redirect", "/redirect"]
    assert "'127.0.0.0/8' (loopback)" in result.message or "'localhost' (loopback)" in result.message


def test_a_redirect_to_another_scheme_is_refused(server: Server) -> None:
    result = run(get(f"{server.url}/redirect?to=file:///etc/passwd", "--location"))
    assert result.message.endswith(
        "': redirect to file:///etc/passwd: only http:// and https:// URLs can be called"
    )


def test_each_redirect_hop_is_checked_and_credentials_stay_with_the_first_host(server: Server) -> None:
    """The second hop's host is resolved and checked too; the POST becomes a GET, and neither the
    Cookie header nor the basic auth goes to the other host."""
    resolver = StubResolver(["127.0.0.1"])
    config = beta(
        f"""
        - url: "{server.url}/redirect?to=http://other.test:{server.port}/json/next"
          method: POST
          headers:
            - {{key: Cookie, value: "session={{{{.env.token}}}}"}}
            - {{key: Host, value: "first.test"}}
          payload: "a=1"
          options: "--location --user robot:pw"
        """
    )
    result = run(config, resolver=resolver)
    assert result.status == "succeeded"
    first, second = server.received
    assert (first.method, first.headers["cookie"]) == ("POST", "session=s3cret-Value!")
    assert first.headers["authorization"].startswith("Basic ")
    assert first.headers["host"] == "first.test"
    assert (second.method, second.path, second.body) == ("GET", "/json/next", "")
    assert second.headers["host"] == f"other.test:{server.port}"
    assert "authorization" not in second.headers
    assert "cookie" not in second.headers
    assert resolver.calls == ["other.test"]


def test_too_many_redirects_end_the_request(server: Server) -> None:
    result = run(get(f"{server.url}/redirect/loop", "--location"))
    assert result.message.endswith(": error during curl request execution: more than 20 redirects")
    assert len(server.received) == 21


def test_dns_rebinding_cannot_swap_the_address_after_the_check(server: Server) -> None:
    """The stub answers the allowed 127.0.0.1 first and the denied 127.0.0.2 afterwards (where nothing
    listens): the request reaches the server, so it went to the address that was checked."""
    resolver = StubResolver(["127.0.0.1"], ["127.0.0.2"])
    result = run(get(f"http://rebind.test:{server.port}/json/x"), resolver=resolver)
    assert result.status == "succeeded"
    assert resolver.calls == ["rebind.test"]
    (received,) = server.received
    assert received.headers["host"] == f"rebind.test:{server.port}"
    again = run(
        get(f"http://rebind.test:{server.port}/json/x"), resolver=resolver
    )  # now resolves to 127.0.0.2
    assert again.message.endswith(
        f": denied URL: host 'rebind.test' resolves to 127.0.0.2, in '127.0.0.0/8' (loopback) of the default "
        f"deny list; {HINT}"
    )
    assert len(server.received) == 1


def test_a_name_with_one_denied_address_among_allowed_ones_is_refused(server: Server) -> None:
    resolver = StubResolver(["127.0.0.1", "::ffff:169.254.169.254"])
    result = run(get(f"http://mixed.test:{server.port}/text"), resolver=resolver)
    assert "resolves to 169.254.169.254, in '169.254.0.0/16' (link-local" in result.message
    assert server.received == []


def test_an_allowed_name_is_called_at_its_checked_address(server: Server) -> None:
    resolver = StubResolver(["127.0.0.1"])
    result = run(get(f"http://ci.internal:{server.port}/text"), allow=("ci.internal",), resolver=resolver)
    assert result.status == "succeeded"
    assert server.received[0].headers["host"] == f"ci.internal:{server.port}"


def test_https_keeps_the_host_name_for_sni_and_the_certificate_check(tmp_path: Path) -> None:
    tls, trusting = certificate("hooks.test", tmp_path)
    resolver = StubResolver(["127.0.0.1"])
    with serving(tls) as server:
        result = run(get(f"https://hooks.test:{server.port}/json/tls"), resolver=resolver, verify=trusting)
        assert result.status == "succeeded", result.message
        assert server.server_names == ["hooks.test"]
        assert server.received[0].headers["host"] == f"hooks.test:{server.port}"
        insecure = run(get(f"https://hooks.test:{server.port}/text", "--insecure"), resolver=resolver)
        assert insecure.data == {"test": {"responses": ["plain text"]}}
        wrong = run(get(f"https://other.test:{server.port}/text"), resolver=resolver, verify=trusting)
        assert "CERTIFICATE_VERIFY_FAILED" in wrong.message


def test_a_proxy_from_the_environment_is_not_used(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy would resolve the host itself; the request must go to the checked address."""
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    result = run(get(f"{server.url}/text"))
    assert result.data == {"test": {"responses": ["plain text"]}}
