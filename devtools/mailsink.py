"""A local SMTP sink for development: keeps every mail it receives and shows them in a browser.

    python -m devtools.mailsink --smtp-port 1025 --http-port 8025 --maildir var/mail

Each message is stored as one .eml file in the mail directory, with X-Envelope-From and
X-Envelope-To headers added on top (so Bcc recipients are visible too). The web page at
http://127.0.0.1:8025/ lists the mails, newest first, and shows one with its headers and text
body. Mail content is always HTML-escaped: a mail's own HTML is never rendered.

Tests can use `MailSink` to run a sink in-process and `read_mails` to read what it received.
"""

import argparse
import email
import email.policy
import html
import re
import signal
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"
# What a stored file may be called; anything else in a URL is refused (no path traversal).
MAIL_NAME = re.compile(r"^[0-9]{20}-[0-9a-f]{8}\.eml$")


# --- storing and reading mails --------------------------------------------------------------


class MaildirHandler:
    """aiosmtpd handler that writes each message to `maildir` as <time>-<random>.eml."""

    def __init__(self, maildir):
        self.maildir = Path(maildir)
        self.maildir.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        envelope_headers = (
            f"X-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        # A zero-padded nanosecond timestamp makes names sort in order of arrival.
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.eml"
        tmp = self.maildir / f".{name}.tmp"
        tmp.write_bytes(envelope_headers + envelope.original_content)
        tmp.replace(self.maildir / name)  # readers never see a half-written file
        return "250 Message accepted for delivery"


def mail_files(maildir):
    """The stored mail files, oldest first."""
    maildir = Path(maildir)
    if not maildir.is_dir():
        return []
    return sorted(p for p in maildir.iterdir() if MAIL_NAME.match(p.name))


def read_mail(path):
    with open(path, "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.default)


def read_mails(maildir):
    """Every mail stored in `maildir`, oldest first, as email.message.EmailMessage objects."""
    return [read_mail(path) for path in mail_files(maildir)]


def text_body(message):
    """The plain-text body of a message, or a note saying there is none."""
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        return "(this mail has no plain-text part)"
    return part.get_content()


# --- the web page ---------------------------------------------------------------------------

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 2rem; }}
table {{ border-collapse: collapse; }}
td, th {{ padding: .3rem .8rem; border-bottom: 1px solid #ccc; text-align: left; }}
pre {{ white-space: pre-wrap; background: #f4f4f4; padding: 1rem; }}
</style></head>
<body><main><h1>{title}</h1>
{content}
</main></body></html>
"""


def render_page(title, content):
    return PAGE.format(title=html.escape(title), content=content)


def received_at(path):
    """When the sink received a mail (from its file name), as local time."""
    seconds = int(path.name.split("-", 1)[0]) / 1e9
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def render_list(maildir):
    rows = []
    for path in reversed(mail_files(maildir)):  # newest first
        message = read_mail(path)
        cells = [
            received_at(path),
            message.get("From", ""),
            message.get("To", ""),
            message.get("Subject", ""),
        ]
        cells = [html.escape(str(c)) for c in cells]
        link = f'<a href="/mail/{quote(path.name)}">{cells[3] or "(no subject)"}</a>'
        rows.append(
            f"<tr><td>{cells[0]}</td><td>{cells[1]}</td><td>{cells[2]}</td><td>{link}</td></tr>"
        )
    if not rows:
        return render_page("Mail received by the local sink", "<p>No mail yet.</p>")
    table = (
        "<table><thead><tr><th>Time</th><th>From</th><th>To</th><th>Subject</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return render_page("Mail received by the local sink", table)


def render_mail(path):
    message = read_mail(path)
    headers = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in message.items()
    )
    attachments = [
        html.escape(a.get_filename() or a.get_content_type()) for a in message.iter_attachments()
    ]
    content = f'<p><a href="/">All mail</a></p><table>{headers}</table>'
    content += f"<h2>Text</h2><pre>{html.escape(text_body(message))}</pre>"
    if attachments:
        content += (
            "<h2>Attachments</h2><ul>" + "".join(f"<li>{a}</li>" for a in attachments) + "</ul>"
        )
    return render_page(str(message.get("Subject", "(no subject)")), content)


class MailViewHandler(BaseHTTPRequestHandler):
    maildir = None  # set on the subclass that `make_http_server` builds

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        name = path.removeprefix("/mail/")
        if path == "/":
            self.respond(200, render_list(self.maildir))
        elif path.startswith("/mail/") and MAIL_NAME.match(name) and (self.maildir / name).exists():
            self.respond(200, render_mail(self.maildir / name))
        else:
            self.respond(404, render_page("Not found", ""))

    def respond(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        # Belt and braces: even if escaping failed somewhere, no script or remote content loads.
        self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass  # one line per page view only adds noise to `make run`


def make_http_server(maildir, port):
    handler = type("Handler", (MailViewHandler,), {"maildir": Path(maildir)})
    return ThreadingHTTPServer((HOST, port), handler)


# --- running it -----------------------------------------------------------------------------


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (aiosmtpd cannot bind port 0)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class MailSink:
    """An SMTP sink (and optionally its web page) running in background threads.

    with MailSink(tmp_path) as sink:
        ... send to 127.0.0.1:sink.smtp_port ...
        mails = read_mails(tmp_path)
    """

    def __init__(self, maildir, smtp_port=None, http_port=None):
        self.maildir = Path(maildir)
        self.smtp_port = smtp_port or free_port()
        self.http_port = http_port  # None: no web page
        self.controller = Controller(
            MaildirHandler(self.maildir), hostname=HOST, port=self.smtp_port
        )
        self.httpd = None

    def start(self):
        self.controller.start()
        if self.http_port is not None:
            self.httpd = make_http_server(self.maildir, self.http_port)
            self.http_port = self.httpd.server_address[1]  # the real one if 0 was asked
            threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
        self.controller.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m devtools.mailsink",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    parser.add_argument("--maildir", default="var/mail")
    args = parser.parse_args(argv)

    sink = MailSink(args.maildir, args.smtp_port, args.http_port).start()
    print(f"mailsink: SMTP on {HOST}:{sink.smtp_port}, storing mail in {sink.maildir}", flush=True)
    print(f"mailsink: read mail at http://{HOST}:{sink.http_port}/", flush=True)

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    while not stopping.wait(1):
        pass
    sink.stop()


if __name__ == "__main__":
    main()
