"""A local SMTP sink: an aiosmtpd server on 127.0.0.1 that keeps what it receives.

For the demo (messages land in a Maildir you can open), the tests and the benchmarks — never
as a mail server: it accepts mail for anyone and delivers none. ``refuse`` makes it answer
``550`` for some recipients, the way a real server refuses an unknown mailbox.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

__all__ = ["MailSink", "Received"]


@dataclass(frozen=True)
class Received:
    """One message as the sink received it: envelope and raw content."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    peer: tuple[str, int] | None = None  # the client's address and port: its connection

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:
        if address.lower() in self.sink.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.sink._receive(Received(envelope.mail_from, tuple(envelope.rcpt_tos),
                                    bytes(envelope.original_content or envelope.content),
                                    tuple(session.peer[:2]) if session.peer else None))
        return "250 Message accepted for delivery"


class MailSink:
    """Start with ``start()`` (or as a context manager); ``port`` 0 takes a free port.

    ``keep=False`` only counts messages (for benchmarks); ``maildir`` also writes each
    message there.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, maildir: Path | None = None,
                 refuse: Iterable[str] = (), keep: bool = True) -> None:
        self.host = host
        self.port = port or _free_port(host)
        self.refuse = {address.lower() for address in refuse}
        self.keep = keep
        self.count = 0
        self._messages: list[Received] = []
        self._lock = threading.Lock()
        self._maildir = mailbox.Maildir(maildir, create=True) if maildir else None
        self._controller: Any = None

    def start(self) -> MailSink:
        from aiosmtpd.controller import Controller

        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def messages(self) -> list[Received]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self.count = 0

    def _receive(self, received: Received) -> None:
        with self._lock:
            self.count += 1
            if self.keep:
                self._messages.append(received)
        if self._maildir is not None:
            self._maildir.add(received.content)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
