"""A webhook's destination: every spelling of an address is normalised and checked; names compared whole."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

import pytest

from slogate.adapters.executors.destination import (
    DEFAULT_DENY_LIST,
    Address,
    DestinationError,
    Entry,
    Resolver,
    Rules,
    allow_list_setting,
    canonical,
    destination,
    is_name,
    literal_address,
    normalise_host,
    parse_entries,
    system_resolver,
)
from slogate.errors import ConfigError

LOOPBACK = "in '127.0.0.0/8' (loopback) of the default deny list"


def resolver(*addresses: str, calls: list[str] | None = None) -> Resolver:
    """A resolver that answers ``addresses`` for every name (and records the names asked for)."""

    async def resolve(name: str) -> Sequence[str]:
        if calls is not None:
            calls.append(name)
        return list(addresses)

    return resolve


def check(host: str, rules: Rules | None = None, *addresses: str) -> Address:
    return asyncio.run(destination(host, rules or Rules(), resolver(*addresses)))


def refused(host: str, rules: Rules | None = None, *addresses: str) -> str:
    with pytest.raises(DestinationError) as caught:
        check(host, rules, *addresses)
    return caught.value.message


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),  # one decimal number
        ("017700000001", "127.0.0.1"),  # one octal number
        ("0x7f000001", "127.0.0.1"),  # one hexadecimal number
        ("0x7f.1", "127.0.0.1"),  # a.b: b fills three bytes
        ("127.1", "127.0.0.1"),
        ("0177.0.0.01", "127.0.0.1"),
        ("0X7F.0.0.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),  # a.b.c: c fills two bytes
        ("0", "0.0.0.0"),
        ("0x", "0.0.0.0"),
        ("169.254.43518", "169.254.169.254"),
        ("::ffff:7f00:1", "127.0.0.1"),  # IPv4-mapped IPv6
        ("[::ffff:127.0.0.1]", "127.0.0.1"),
        ("::1", "::1"),
        ("FD00:EC2::254", "fd00:ec2::254"),
    ],
)
def test_every_spelling_of_an_address_is_read_as_that_address(host: str, address: str) -> None:
    assert literal_address(normalise_host(host)) == ip_address(address)
    assert not is_name(host)


@pytest.mark.parametrize("host", ["example.com", "a1", "0x7f.example", "1.2.3.4.example", "xn--bcher-kva.ch"])
def test_a_host_name_is_no_address(host: str) -> None:
    assert literal_address(host) is None
    assert is_name(host)


@pytest.mark.parametrize(
    "host", ["256.1.1.1", "1.2.3.4.5", "08", "1.0x1g.3", "1..2", "0x123456789", "1.16777216", "example.09"]
)
def test_a_number_that_is_no_ipv4_address_is_refused(host: str) -> None:
    assert (
        refused(host) == f"denied URL: host '{host}' is written like an IPv4 address but is not a valid one"
    )
    assert not is_name(host)


def test_an_invalid_ipv6_address_is_refused() -> None:
    assert refused("::1::2") == "denied URL: host '::1::2' is not a valid IPv6 address"


@pytest.mark.parametrize(
    ("host", "written"),
    [
        ("[::ffff:7f00:1]", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("127.0.0.2", "127.0.0.2"),
    ],
)
def test_encoded_loopback_addresses_are_refused_naming_the_rule(host: str, written: str) -> None:
    assert refused(host) == (
        f"denied URL: host '{host}' is the address {written}, {LOOPBACK}; if it is your own host, add it "
        "to SLOGATE_WEBHOOK_ALLOW_LIST"
    )


@pytest.mark.parametrize(
    ("host", "rule"),
    [
        ("169.254.169.254", "'169.254.0.0/16' (link-local: cloud metadata service)"),
        ("fd00:ec2::254", "'fc00::/7' (unique local: private network, cloud metadata service)"),
        ("10.1.2.3", "'10.0.0.0/8' (private network (RFC 1918))"),
        ("172.31.255.255", "'172.16.0.0/12' (private network (RFC 1918))"),
        ("192.168.0.1", "'192.168.0.0/16' (private network (RFC 1918))"),
        ("100.100.100.200", "'100.64.0.0/10' (shared address space (RFC 6598))"),
        ("0.0.0.0", "'0.0.0.0/8' (this network)"),
        ("::", "'::/128' (unspecified)"),
        ("::1", "'::1/128' (loopback)"),
        ("::127.0.0.1", "'::/96' (IPv4-compatible)"),
        ("64:ff9b::7f00:1", "'64:ff9b::/96' (NAT64)"),
        ("fe80::1", "'fe80::/10' (link-local: cloud metadata service)"),
        ("255.255.255.255", "'240.0.0.0/4' (reserved)"),
        ("224.0.0.1", "'224.0.0.0/4' (multicast)"),
    ],
)
def test_the_default_deny_list_covers_metadata_private_and_special_ranges(host: str, rule: str) -> None:
    assert f" is the address {ip_address(host)}, in {rule} of the default deny list" in refused(host)


@pytest.mark.parametrize(
    ("host", "entry"),
    [
        ("KUBERNETES.default.svc", "kubernetes.default.svc"),
        ("kubernetes.default.svc.", "kubernetes.default.svc"),
        ("kubernetes", "kubernetes"),
        ("my-db.prod.svc.cluster.local", "svc.cluster.local"),
        ("Metadata.Google.Internal.", "metadata.google.internal"),
        ("metadata", "metadata"),
        ("LOCALHOST", "localhost"),
        ("app.localhost", "localhost"),
    ],
)
def test_names_are_compared_whole_and_case_insensitively(host: str, entry: str) -> None:
    message = refused(host, None, "8.8.8.8")
    assert message.startswith(f"denied URL: host '{host}' matches '{entry}' (")
    assert message.endswith(
        " of the default deny list; if it is your own host, add it to SLOGATE_WEBHOOK_ALLOW_LIST"
    )


@pytest.mark.parametrize(
    "host", ["kubernetes.example.com", "mycluster.local", "notlocalhost", "metadata-api.io"]
)
def test_a_name_only_containing_a_denied_name_is_not_denied(host: str) -> None:
    assert check(host, None, "203.0.113.7") == IPv4Address("203.0.113.7")


def test_a_name_is_refused_when_any_of_its_addresses_is_denied() -> None:
    message = refused("rebind.example", None, "203.0.113.7", "::ffff:169.254.169.254")
    assert message == (
        "denied URL: host 'rebind.example' resolves to 169.254.169.254, in '169.254.0.0/16' (link-local: "
        "cloud metadata service) of the default deny list; if it is your own host, add it to "
        "SLOGATE_WEBHOOK_ALLOW_LIST"
    )


def test_the_name_is_resolved_once_and_its_first_address_is_the_one_to_connect_to() -> None:
    calls: list[str] = []
    found = asyncio.run(
        destination("Hooks.Example.", Rules(), resolver("203.0.113.9", "203.0.113.7", calls=calls))
    )
    assert (found, calls) == (IPv4Address("203.0.113.9"), ["hooks.example"])


def test_resolution_failures_are_reported() -> None:
    async def failing(name: str) -> Sequence[str]:
        raise OSError(-2, "Name or service not known")

    with pytest.raises(DestinationError) as caught:
        asyncio.run(destination("nowhere.example", Rules(), failing))
    assert caught.value.message == "could not resolve host 'nowhere.example': Name or service not known"
    assert refused("empty.example") == "could not resolve host 'empty.example': it has no address"
    assert refused("odd.example", None, "not-an-ip") == (
        "could not resolve host 'odd.example': the resolver answered 'not-an-ip'"
    )
    assert refused("") == "denied URL: the URL has no host"


def test_the_allow_list_lets_own_hosts_and_networks_through() -> None:
    allow = parse_entries(["127.0.0.1", "hooks.internal", "10.20.0.0/16", "::1"], "allow")
    rules = Rules(allow=allow)
    assert check("0x7f.1", rules) == IPv4Address("127.0.0.1")
    assert check("[::ffff:7f00:1]", rules) == IPv4Address("127.0.0.1")
    assert check("::1", rules) == IPv6Address("::1")
    assert check("ci.HOOKS.internal", rules, "192.168.1.1") == IPv4Address("192.168.1.1")  # allowed by name
    assert check("build.example", rules, "10.20.3.4") == IPv4Address("10.20.3.4")  # allowed by network
    assert "'127.0.0.0/8' (loopback)" in refused("127.0.0.2", rules)
    assert "'10.0.0.0/8' (private network (RFC 1918))" in refused("build.example", rules, "10.21.3.4")


def test_an_allowed_default_name_is_called() -> None:
    rules = Rules(allow=parse_entries(["my-svc.ns.svc.cluster.local"], "allow"))
    assert check("my-svc.ns.svc.cluster.local", rules, "10.96.0.9") == IPv4Address("10.96.0.9")
    assert "matches 'svc.cluster.local'" in refused("other.ns.svc.cluster.local", rules, "10.96.0.9")


def test_the_tasks_deny_list_wins_over_the_allow_list() -> None:
    rules = Rules(
        deny=parse_entries(["ci.corp", "203.0.113.0/24"], "denyList"),
        allow=parse_entries(["ci.corp", "127.0.0.1"], "allow"),
    )
    assert (
        refused("CI.corp", rules, "127.0.0.1")
        == "denied URL: host 'CI.corp' matches 'ci.corp' of the task's denyList"
    )
    assert refused("other.example", rules, "203.0.113.4") == (
        "denied URL: host 'other.example' resolves to 203.0.113.4, in '203.0.113.0/24' of the task's denyList"
    )
    assert check("127.0.0.1", rules) == IPv4Address("127.0.0.1")


def test_entries_are_parsed_into_names_and_networks() -> None:
    assert parse_entries(["*.Corp.", " 10.0.0.1/8 ", "0x7f.1", "::ffff:10.0.0.0/104", "fd00::1"], "x") == (
        Entry("*.Corp.", name="corp"),
        Entry("10.0.0.1/8", network=IPv4Network("10.0.0.0/8")),
        Entry("0x7f.1", network=IPv4Network("127.0.0.1/32")),
        Entry("::ffff:10.0.0.0/104", network=IPv4Network("10.0.0.0/8")),
        Entry("fd00::1", network=IPv6Network("fd00::1/128")),
    )


@pytest.mark.parametrize(
    "text", ["10.0.0.0/33", "ci.corp:8080", "http://ci.corp", "a b", "-bad.corp", "1.2.3.999"]
)
def test_an_entry_that_is_no_host_address_or_network_is_named(text: str) -> None:
    with pytest.raises(DestinationError) as caught:
        parse_entries(["ok.corp", text], "the list")
    assert caught.value.message == (
        f"the list[1]: '{text}' is not a host name (e.g. ci.internal), an IP address (e.g. 10.0.0.5) or a "
        "network (e.g. 10.0.0.0/8)"
    )


def test_the_allow_list_setting_is_split_and_checked() -> None:
    assert allow_list_setting(" 127.0.0.1, ci.internal  10.0.0.0/8,") == (
        "127.0.0.1",
        "ci.internal",
        "10.0.0.0/8",
    )
    assert allow_list_setting("") == ()
    with pytest.raises(ConfigError, match=r"^SLOGATE_WEBHOOK_ALLOW_LIST\[1\]: 'nope:1' is not a host name"):
        allow_list_setting("127.0.0.1,nope:1")


def test_every_default_entry_is_labelled_and_mapped_addresses_are_canonical() -> None:
    assert all(entry.label for entry in DEFAULT_DENY_LIST)
    assert canonical(IPv6Address("::ffff:a00:1")) == IPv4Address("10.0.0.1")
    assert canonical(IPv6Address("2001:db8::1")) == IPv6Address("2001:db8::1")


def test_the_system_resolver_answers_addresses() -> None:
    """localhost is answered from the hosts file, without DNS."""
    found = asyncio.run(system_resolver("localhost"))
    assert found
    assert all(ip_address(text).is_loopback for text in found)
