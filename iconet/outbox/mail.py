"""The SMTP connection the outbox sends with: RFC 5321's end-of-DATA wait, and a clear line
between a message that was not handed over and one whose fate is unknown.

RFC 5321 §4.5.3.2.6 asks a client to wait 10 minutes for the reply to the end of DATA: a relay
that scans content answers late, and by then it has usually accepted the message. Giving up
after the command timeout (`EMAIL_TIMEOUT`, seconds) and sending again makes duplicates, so the
end of DATA has its own wait (`EMAIL_DATA_TIMEOUT`). Any failure after the message's last byte
left (a timeout, a lost connection) raises `OutcomeUnknown`: the relay may hold a copy.
"""

from __future__ import annotations

import select
import smtplib
import time
from collections.abc import Callable

from django.conf import settings
from django.core.mail.backends import smtp


class OutcomeUnknown(smtplib.SMTPServerDisconnected):
    """The whole message was handed to the relay and no reply came back: it may have been
    accepted (sending it again may make a duplicate) or not."""


class HandoverMixin(smtplib.SMTP):
    """`data()` of smtplib, waiting `data_timeout` seconds for the final reply; after
    `command_timeout` of that wait `on_slow_reply` is called once (the outbox renews its
    lease there, so that a slow relay is not taken for a dead worker)."""

    data_timeout: float = 600.0
    on_slow_reply: Callable[[], None] | None = None

    def data(self, msg):
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        if isinstance(msg, str):
            msg = smtplib._fix_eols(msg).encode("ascii")
        payload = smtplib._quote_periods(msg)
        if payload[-2:] != smtplib.bCRLF:
            payload += smtplib.bCRLF
        payload += b"." + smtplib.bCRLF
        # A failure while sending is not unknown: without the final dot nothing was accepted.
        self.send(payload)
        # From here until the reply, the relay may have accepted the message.
        command_timeout = self.sock.gettimeout()
        try:
            started = time.monotonic()
            if not self._reply_within(command_timeout) and self.on_slow_reply is not None:
                self.on_slow_reply()
            remaining = max(self.data_timeout - (time.monotonic() - started), 0.001)
            self.sock.settimeout(remaining)
            code, reply = self.getreply()
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self.close()
            raise OutcomeUnknown(f"no reply to the end of DATA: {exc}") from exc
        if self.sock is not None:
            self.sock.settimeout(command_timeout)
        return code, reply

    def _reply_within(self, seconds: float | None) -> bool:
        """Whether the relay starts answering within `seconds` (None: no limit)."""
        if seconds is None:
            return True
        pending = getattr(self.sock, "pending", None)  # TLS keeps decrypted bytes of its own
        if pending is not None and pending():
            return True
        readable, _w, _x = select.select([self.sock], [], [], seconds)
        return bool(readable)


class HandoverSMTP(HandoverMixin):
    pass


class HandoverSMTPSSL(HandoverMixin, smtplib.SMTP_SSL):
    pass


class EmailBackend(smtp.EmailBackend):
    """Django's SMTP backend with the end-of-DATA wait (`EMAIL_DATA_TIMEOUT`); the outbox sets
    `on_slow_reply` before each message."""

    on_slow_reply: Callable[[], None] | None = None

    @property
    def connection_class(self):
        return HandoverSMTPSSL if self.use_ssl else HandoverSMTP

    def _send(self, email_message):
        self._handover_prepare()
        return super()._send(email_message)

    def _handover_prepare(self) -> None:
        connection = self.connection
        if isinstance(connection, HandoverSMTP | HandoverSMTPSSL):
            connection.data_timeout = settings.EMAIL_DATA_TIMEOUT
            connection.on_slow_reply = self.on_slow_reply

    def send_prepared(self, from_email: str, recipients: list[str], payload: bytes) -> None:
        """Hand a message already encoded (headers and body, CRLF line ends) to the relay over
        the open connection; raises on any failure, as `send(fail_silently=False)` does."""
        self._handover_prepare()
        if self.connection is None:
            raise smtplib.SMTPServerDisconnected("The connection to the relay is not open.")
        self.connection.sendmail(from_email, recipients, payload)
