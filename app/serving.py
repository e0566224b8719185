"""How `recotrack serve` runs uvicorn: an HTTP protocol that always turns Nagle off.

uvicorn's multi-worker mode binds the listening socket itself with proto 0, and asyncio
only sets TCP_NODELAY on accepted sockets whose proto is IPPROTO_TCP; so with --workers N
every keep-alive response after the first waited ~40 ms for the client's delayed ACK
(uvicorn issue #3149). Setting the option per connection works for every worker count.
"""

import socket
from asyncio import BaseTransport

from uvicorn.protocols.http.h11_impl import H11Protocol


def set_nodelay(transport: BaseTransport) -> None:
    """Turn Nagle's algorithm off on a TCP transport's socket (no-op for anything else)."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: BaseTransport) -> None:  # type: ignore[override]
        set_nodelay(transport)
        super().connection_made(transport)
