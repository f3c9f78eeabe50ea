"""Where a webhook may connect: the URL's host normalised, resolved once, checked against deny/allow lists.

A host is compared as a whole, in lower case and without a trailing dot: the list entry
``cluster.local`` matches ``cluster.local`` and every name under it (``a.svc.cluster.local``), but
not ``mycluster.local``. An address is first brought to its one form: ``::ffff:127.0.0.1`` is
``127.0.0.1``, and the forms ``inet_aton`` accepts (``2130706433``, ``0x7f.1``, ``017700000001``)
are read as the IPv4 address they stand for. A name is resolved once (:data:`Resolver`); every
address it has is checked and the first one is the address to connect to, so the address checked
is the address called (no DNS rebinding between check and connection).

Precedence: the task's ``denyList`` refuses first; then the operator's allow list
(``SLOGATE_WEBHOOK_ALLOW_LIST``) lets a host or network through; then :data:`DEFAULT_DENY_LIST`
refuses loopback, link-local (cloud metadata), private and other special ranges and the cluster and
metadata names.

Example::

    rules = Rules(allow=parse_entries(["127.0.0.1"], "allow list"))
    address = await destination("localhost", rules, system_resolver)
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from slogate.errors import ConfigError, InputError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str], Awaitable[Sequence[str]]]
ALLOW_SETTING = "SLOGATE_WEBHOOK_ALLOW_LIST"
HINT = f"if it is your own host, add it to {ALLOW_SETTING}"
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_LABEL = re.compile(r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?")
_NUMERIC = re.compile(r"0x[0-9a-f]*|[0-9]+")


class DestinationError(InputError):
    """A destination that may not be called, or cannot be: the message says which rule and why."""

    code = "denied_destination"


@dataclass(frozen=True, slots=True)
class Entry:
    """One list entry: a host name (that name and the names under it) or a network (an address is a /32
    or /128); ``label`` says what the default entries are."""

    text: str
    name: str = ""
    network: Network | None = None
    label: str = ""

    def matches_name(self, name: str) -> bool:
        """Whether the normalised ``name`` is this entry's name or a name under it."""
        return bool(self.name) and (name == self.name or name.endswith("." + self.name))

    def matches_address(self, address: Address) -> bool:
        """Whether the normalised ``address`` is in this entry's network."""
        return (
            self.network is not None and address.version == self.network.version and address in self.network
        )

    def describe(self) -> str:
        """The entry as written, with its label."""
        return f"'{self.text}' ({self.label})" if self.label else f"'{self.text}'"


def _names(label: str, *names: str) -> tuple[Entry, ...]:
    return tuple(Entry(name, name=name, label=label) for name in names)


def _networks(label: str, *networks: str) -> tuple[Entry, ...]:
    return tuple(Entry(text, network=ipaddress.ip_network(text), label=label) for text in networks)


KUBERNETES = ("kubernetes", "kubernetes.default", "kubernetes.default.svc",
              "kubernetes.default.svc.cluster.local", "svc.cluster.local", "cluster.local")  # fmt: skip
DEFAULT_DENY_LIST: tuple[Entry, ...] = (
    *_names("loopback", "localhost"),
    *_names("Kubernetes API and cluster services", *KUBERNETES),
    *_names("cloud metadata service", "metadata.google.internal", "metadata.goog", "metadata"),
    *_networks("this network", "0.0.0.0/8"),
    *_networks("private network (RFC 1918)", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"),
    *_networks("shared address space (RFC 6598)", "100.64.0.0/10"),
    *_networks("loopback", "127.0.0.0/8", "::1/128"),
    *_networks("link-local: cloud metadata service", "169.254.0.0/16", "fe80::/10"),
    *_networks("IETF protocol assignments", "192.0.0.0/24"),
    *_networks("benchmarking", "198.18.0.0/15"),
    *_networks("multicast", "224.0.0.0/4", "ff00::/8"),
    *_networks("reserved", "240.0.0.0/4"),
    *_networks("unspecified", "::/128"),
    *_networks("IPv4-compatible", "::/96"),
    *_networks("IPv4-translated", "::ffff:0:0:0/96"),
    *_networks("NAT64", "64:ff9b::/96", "64:ff9b:1::/48"),
    *_networks("discard", "100::/64"),
    *_networks("unique local: private network, cloud metadata service", "fc00::/7"),
    *_networks("site-local", "fec0::/10"),
)


@dataclass(frozen=True, slots=True)
class Rules:
    """The task's deny entries, the operator's allow entries and the default deny list."""

    deny: tuple[Entry, ...] = ()
    allow: tuple[Entry, ...] = ()
    defaults: tuple[Entry, ...] = DEFAULT_DENY_LIST

    def check_name(self, name: str, shown: str) -> bool:
        """Refuse a name on a deny list; true when the allow list has it (then its addresses are allowed)."""
        for entry in self.deny:
            if entry.matches_name(name):
                raise _denied(f"host '{shown}' matches {entry.describe()} of the task's denyList")
        if any(entry.matches_name(name) for entry in self.allow):
            return True
        for entry in self.defaults:
            if entry.matches_name(name):
                raise _denied(f"host '{shown}' matches {entry.describe()} of the default deny list; {HINT}")
        return False

    def check_address(self, address: Address, how: str, allowed: bool = False) -> None:
        """Refuse ``address`` (``how`` says where it came from) when a deny list covers it and neither
        ``allowed`` (its name is on the allow list) nor the allow list lets it through."""
        for entry in self.deny:
            if entry.matches_address(address):
                raise _denied(f"{how} {address}, in {entry.describe()} of the task's denyList")
        if allowed or any(entry.matches_address(address) for entry in self.allow):
            return
        for entry in self.defaults:
            if entry.matches_address(address):
                raise _denied(f"{how} {address}, in {entry.describe()} of the default deny list; {HINT}")


async def system_resolver(name: str) -> list[str]:
    """The addresses of ``name`` from the system's resolver, in its order of preference."""
    found = await asyncio.get_running_loop().getaddrinfo(name, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in found]


async def destination(host: str, rules: Rules, resolve: Resolver) -> Address:
    """The one address to connect to for the URL host ``host``; DestinationError naming the rule
    that refuses it, or why it cannot be resolved."""
    name = normalise_host(host)
    if not name:
        raise _denied("the URL has no host")
    literal = literal_address(name, host)
    if literal is not None:
        rules.check_address(literal, f"host '{host}' is the address")
        return literal
    allowed = rules.check_name(name, host)
    try:
        found = await resolve(name)
    except OSError as error:
        raise DestinationError(f"could not resolve host '{host}': {error.strerror or error}") from None
    addresses = list(dict.fromkeys(_resolved(item, host) for item in found))
    if not addresses:
        raise DestinationError(f"could not resolve host '{host}': it has no address")
    for address in addresses:
        rules.check_address(address, f"host '{host}' resolves to", allowed)
    return addresses[0]


def normalise_host(host: str) -> str:
    """``host`` in lower case, without IPv6 brackets and without one trailing dot."""
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    return name[:-1] if name.endswith(".") else name


def literal_address(name: str, shown: str = "") -> Address | None:
    """The address the normalised host ``name`` is written as (IPv4-mapped IPv6 and the ``inet_aton``
    forms included), or None for a host name; DestinationError for a number that is no address."""
    shown = shown or name
    if ":" in name:
        try:
            return canonical(ipaddress.ip_address(name))
        except ValueError:
            raise _denied(f"host '{shown}' is not a valid IPv6 address") from None
    parts = name.split(".")
    if not _NUMERIC.fullmatch(parts[-1]):
        return None
    numbers = [_number(part) for part in parts]
    head, last = numbers[:-1], numbers[-1]
    valid = len(parts) <= 4 and all(number is not None and number < 256 for number in head)
    if not valid or last is None or last >= 256 ** (5 - len(parts)):
        raise _denied(f"host '{shown}' is written like an IPv4 address but is not a valid one")
    value = sum(number << (8 * (3 - index)) for index, number in enumerate(head) if number is not None)
    return ipaddress.IPv4Address(value + last)


def is_name(host: str) -> bool:
    """Whether the URL host ``host`` is a host name (not an address in any of its forms)."""
    try:
        return literal_address(normalise_host(host)) is None
    except DestinationError:
        return False


def canonical(address: Address) -> Address:
    """``address`` in its one form: an IPv4-mapped IPv6 address as its IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def parse_entries(texts: Iterable[str], where: str) -> tuple[Entry, ...]:
    """List entries as written (host names, addresses, networks such as ``10.0.0.0/8``); DestinationError
    naming ``where`` and the entry that is none of them."""
    return tuple(_entry(text.strip(), f"{where}[{index}]") for index, text in enumerate(texts))


def allow_list_setting(text: str) -> tuple[str, ...]:
    """The entries of ``SLOGATE_WEBHOOK_ALLOW_LIST`` (commas or spaces between); ConfigError naming it."""
    entries = tuple(item for item in re.split(r"[\s,]+", text) if item)
    try:
        parse_entries(entries, ALLOW_SETTING)
    except DestinationError as error:
        raise ConfigError(error.message) from None
    return entries


def _entry(text: str, where: str) -> Entry:
    name = normalise_host(text.removeprefix("*."))
    wrong = (
        f"{where}: '{text}' is not a host name (e.g. ci.internal), an IP address (e.g. 10.0.0.5) "
        "or a network (e.g. 10.0.0.0/8)"
    )
    if "/" in name:
        try:
            network = ipaddress.ip_network(name, strict=False)
        except ValueError:
            raise DestinationError(wrong) from None
        if (
            isinstance(network, ipaddress.IPv6Network)
            and network.prefixlen >= 96
            and network.subnet_of(_MAPPED)
        ):
            mapped = canonical(network.network_address)
            network = ipaddress.ip_network(f"{mapped}/{network.prefixlen - 96}")
        return Entry(text, network=network)
    try:
        address = literal_address(name)
    except DestinationError:
        raise DestinationError(wrong) from None
    if address is not None:
        return Entry(text, network=ipaddress.ip_network(address))
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in name.split(".")):
        raise DestinationError(wrong)
    return Entry(text, name=name)


def _number(part: str) -> int | None:
    """One part of an ``inet_aton`` address: decimal, ``0x`` hexadecimal or ``0``-led octal."""
    if part.startswith("0x"):
        digits = part[2:]
        return int(digits or "0", 16) if re.fullmatch(r"[0-9a-f]{0,8}", digits) else None
    if re.fullmatch(r"0[0-7]*", part):
        return int(part, 8)
    return int(part) if re.fullmatch(r"[1-9][0-9]{0,11}", part) else None


def _denied(reason: str) -> DestinationError:
    return DestinationError("denied URL: " + reason)


def _resolved(text: str, host: str) -> Address:
    try:
        return canonical(ipaddress.ip_address(text))
    except ValueError:
        raise DestinationError(f"could not resolve host '{host}': the resolver answered '{text}'") from None
