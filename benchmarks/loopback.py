"""A loopback port for a server another process is about to start (the benchmarks, the tests, the screenshots).

The port is picked below the kernel's range of ephemeral ports. Asking the
kernel for a free port (binding port 0) hands out one from that range, and
between closing that probe and the server binding it, any outgoing
connection (Chromium's, chromedriver's, another test's) may take the same
number as its local port. On Linux the server's bind then succeeds and its
``listen`` fails with "Address already in use": seen once in the suite,
where it took down every browser test of one worker.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST = 20_000  # above the ports services commonly listen on
TRIES = 200


def ephemeral_low() -> int:
    """The first port of the kernel's ephemeral range (32768 where it cannot be read: Linux's default)."""
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def free_port() -> int:
    """A loopback port nobody is bound to now, outside the ephemeral range where there is room."""
    high = ephemeral_low()
    for _ in range(TRIES if high > LOWEST else 0):
        port = random.randrange(LOWEST, high)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:  # no room below the range: the kernel's pick
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
