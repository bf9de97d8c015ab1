"""The till's own IP address, for ``env.clientIp`` of a card payment (Antom expects one).

Read from the network interfaces the kernel knows, never by sending anything: no DNS query,
no "connect a UDP socket to the gateway" trick. Where the interfaces cannot be read (not
Linux, a sandboxed process), the address is unknown and the field is left out.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import struct
import sys
from collections.abc import Iterable

log = logging.getLogger(__name__)

_SIOCGIFADDR = 0x8915  # Linux: an interface's IPv4 address


def pick_address(candidates: Iterable[str]) -> str | None:
    """The first usable address: not loopback, link-local, unspecified or multicast."""
    for text in candidates:
        try:
            addr = ipaddress.ip_address(text)
        except ValueError:
            continue
        if addr.is_loopback or addr.is_link_local or addr.is_unspecified or addr.is_multicast:
            continue
        return str(addr)
    return None


def _interface_addresses() -> list[str]:
    """IPv4 addresses of the interfaces, in the kernel's order (Linux only)."""
    if not sys.platform.startswith("linux"):
        return []
    import fcntl  # POSIX only

    found: list[str] = []
    # A datagram socket that is never connected nor used to send: only an ioctl handle.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _index, name in socket.if_nameindex():
            request = struct.pack("256s", name.encode()[:15])
            try:
                answer = fcntl.ioctl(sock.fileno(), _SIOCGIFADDR, request)
            except OSError:  # no IPv4 address on this interface
                continue
            found.append(socket.inet_ntoa(answer[20:24]))
    return found


def till_address() -> str | None:
    """This machine's IPv4 address on its network, or None when it cannot be told."""
    try:
        return pick_address(_interface_addresses())
    except OSError as exc:
        log.info("the till's address is unknown (%s): env.clientIp is left out", exc)
        return None
