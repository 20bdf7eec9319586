"""How ``usage-gateway serve`` runs: uvicorn on uvloop and httptools, headers bounded as they
arrive, and workers that each own a ``SO_REUSEPORT`` listener with connections spread evenly.

With one shared listening socket, whichever worker wakes first accepts every connection that is
waiting, so a few long-lived keep-alive connections often all land on one worker while the
others idle. Here each worker binds its own listener on the same port and the kernel hashes
new connections across them; since a hash can still put 3 of 4 connections on one worker, a
worker holding more than its share of the open connections (counted in shared memory) answers
its next request with ``Connection: close``, and the client's reconnection is hashed afresh.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import logging.config
import math
import multiprocessing
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from types import FrameType
from typing import Any

import orjson
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway.core.errors import ErrorCode
from gateway.web.header_limit import MAX_HEADER_BYTES

log = logging.getLogger("gateway.serve")
PR_SET_PDEATHSIG = 1
SHED_PAUSE_S = 0.1

Counts = ctypes.Array[ctypes.c_int]


@dataclass(frozen=True, slots=True)
class ServeOptions:
    host: str
    port: int
    workers: int
    log_level: str
    log_config: dict[str, Any]
    grace_s: int


class Balance:
    """Open connections per worker, one slot each; a worker writes only its own slot.

    A worker sheds one connection at a time: none while one it told to close is still open,
    nor for a moment after it closed, so that its client's reconnection is counted before the
    shares are worked out again (otherwise the totals shrink meanwhile and a worker holding
    all four connections would shed all of them).
    """

    def __init__(self, counts: Counts, index: int) -> None:
        self.counts = counts
        self.index = index
        self.leaving = 0
        self.quiet_until = 0.0
        counts[index] = 0

    def opened(self) -> None:
        self.counts[self.index] += 1

    def closed(self, *, leaving: bool, now: float) -> None:
        self.counts[self.index] -= 1
        if leaving:
            self.leaving -= 1
            self.quiet_until = now + SHED_PAUSE_S

    def shed_one(self, now: float) -> bool:
        """Whether a connection should go because this worker holds more than its share."""
        if self.leaving or now < self.quiet_until:
            return False
        total = sum(self.counts)
        if self.counts[self.index] > math.ceil(total / len(self.counts)):
            self.leaving += 1
            return True
        return False


def _refusal(status: int, reason: str, message: str) -> bytes:
    body = orjson.dumps({"error": {"code": ErrorCode.BAD_USER_INPUT.value, "message": message}})
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


HEADERS_TOO_LARGE = _refusal(
    431,
    "Request Header Fields Too Large",
    f"the request headers are larger than {MAX_HEADER_BYTES // 1024} KiB",
)


class GatewayHttpProtocol(HttpToolsProtocol):
    """httptools keeps every header byte it is sent (it has no limit of its own): the bytes
    received while a request's head is incomplete are counted here, and past the limit the
    connection is answered 431 and closed, so a head held is at most the limit plus one read.
    The exact 16 KiB check on complete heads stays in ``HeaderLimitMiddleware``."""

    header_limit = MAX_HEADER_BYTES
    # Set in each worker before it serves (None with a single worker).
    balance: Balance | None = None

    _awaiting_head = True
    _head_bytes = 0
    _counted = False
    _leaving = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.balance is not None:
            self.balance.opened()
            self._counted = True

    def connection_lost(self, exc: Exception | None) -> None:
        if self._counted and self.balance is not None:
            self._counted = False
            self.balance.closed(leaving=self._leaving, now=time.monotonic())
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return
        if self._awaiting_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._awaiting_head and self._head_bytes > self.header_limit:
            self._awaiting_head = False
            if not self.transport.is_closing():
                self.transport.write(HEADERS_TOO_LARGE)
                self.transport.close()

    def on_headers_complete(self) -> None:
        self._awaiting_head = False
        super().on_headers_complete()
        balance = self.balance
        # (No cycle when the request was an upgrade.)
        if balance is None or not self._counted or self._leaving or self.cycle is None:
            return
        if balance.shed_one(time.monotonic()):
            self._leaving = True
            self.cycle.keep_alive = False

    def on_message_complete(self) -> None:
        self._awaiting_head = True
        self._head_bytes = 0
        super().on_message_complete()


def _listener(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _config(options: ServeOptions) -> uvicorn.Config:
    return uvicorn.Config(
        "gateway.web.asgi:app_from_env",
        factory=True,
        host=options.host,
        port=options.port,
        loop="uvloop",
        http=GatewayHttpProtocol,
        log_level=options.log_level,
        proxy_headers=True,
        log_config=options.log_config,
        access_log=False,  # gateway.access writes one structured line per request instead
        # SIGTERM: stop accepting, let in-flight requests finish, cancel them after this long.
        timeout_graceful_shutdown=options.grace_s,
    )


def _stop_with_parent(supervisor: int) -> None:
    """SIGTERM when the supervisor dies, even by SIGKILL: no orphan keeps the port (Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return  # not Linux: the supervisor's own SIGTERM handling still stops the workers
    if os.getppid() != supervisor:  # the supervisor was already gone before prctl
        os.kill(os.getpid(), signal.SIGTERM)


def run_worker(
    options: ServeOptions, counts: Counts | None, index: int, supervisor: int | None = None
) -> None:
    """One worker: its own listener, served until SIGTERM or SIGINT."""
    if supervisor is not None:
        _stop_with_parent(supervisor)
    GatewayHttpProtocol.balance = None if counts is None else Balance(counts, index)
    config = _config(options)
    sock = _listener(options.host, options.port, reuse_port=counts is not None)
    # On exit uvicorn raises the signal it caught again, so the process reports it.
    uvicorn.Server(config).run(sockets=[sock])


def serve(options: ServeOptions) -> None:
    if options.workers <= 1:
        run_worker(options, None, 0)
        return
    Supervisor(options).run()


class Supervisor:
    """Starts the workers, restarts one that dies, and passes SIGTERM / SIGINT on to them."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        self.context = multiprocessing.get_context("spawn")
        self.counts: Counts = self.context.RawArray(ctypes.c_int, options.workers)
        self.stopping = threading.Event()
        self.signal = signal.SIGTERM

    def _start(self, index: int) -> multiprocessing.process.BaseProcess:
        process = self.context.Process(
            target=run_worker,
            args=(self.options, self.counts, index, os.getpid()),
            name=f"worker-{index}",
        )
        process.start()
        return process

    def _on_signal(self, sig: int, _frame: FrameType | None) -> None:
        self.signal = signal.Signals(sig)
        self.stopping.set()

    def run(self) -> None:
        logging.config.dictConfig(self.options.log_config)
        # Bound (never listening) for the supervisor's lifetime: a port another program holds
        # fails here at once, and none can take it between worker restarts.
        guard = _listener(self.options.host, self.options.port, reuse_port=True)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        processes = [self._start(index) for index in range(self.options.workers)]
        while not self.stopping.wait(0.5):
            for index, process in enumerate(processes):
                if not process.is_alive() and not self.stopping.is_set():
                    log.warning(
                        "worker %d exited with %s; starting another", index, process.exitcode
                    )
                    self.counts[index] = 0
                    time.sleep(0.5)  # no busy loop if a worker cannot start at all
                    processes[index] = self._start(index)
        if self.signal == signal.SIGINT:
            # Ctrl+C reaches the workers from the terminal already; a second signal would
            # make them skip the graceful shutdown.
            for process in processes:
                process.join(self.options.grace_s + 5)
        for process in processes:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
        for process in processes:
            process.join()
        guard.close()
        signal.signal(self.signal, signal.SIG_DFL)
        os.kill(os.getpid(), self.signal)
