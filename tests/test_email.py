"""Mail leaves through the SMTP server named in the environment.

A server of production settings is configured by `DJANGO_EMAIL_*` only; a tiny
SMTP listener on the loopback takes the message as a real mail server would.
"""

import socket
import socketserver
import threading

from tests.processes import production

SEND = (
    "import warnings; warnings.simplefilter('error', DeprecationWarning);"
    "import django; django.setup();"
    "from django.core.mail import send_mail;"
    "send_mail(%r, %r, None, ['ed@example.com'])"
)
SMTP = "django.core.mail.backends.smtp.EmailBackend"


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) to accept one message and keep it."""

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 test ESMTP")
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            self.server.commands.append(command.lower())  # verbs are any case
            if verb == "EHLO":
                self.reply("250 test")
            elif verb == "DATA":
                self.reply("354 go on")
                data = []
                while (body := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(body)
                self.server.messages.append(b"".join(data).decode())
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


def test_smtp_server_and_port_come_from_the_environment(tmp_path):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
    server.commands, server.messages = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = production(
            SEND % ("Harbour reopens", "Boats are back."),
            tmp_path,
            DJANGO_EMAIL_HOST="127.0.0.1",
            DJANGO_EMAIL_PORT=str(server.server_address[1]),
            DJANGO_DEFAULT_FROM_EMAIL="Local Glob <news@news.example.com>",
        )
    finally:
        server.shutdown()
        server.server_close()
    # Production sends by SMTP without being told to.
    assert result.returncode == 0, result.stderr
    assert "mail from:<news@news.example.com>" in server.commands
    assert "rcpt to:<ed@example.com>" in server.commands
    [message] = server.messages
    assert "Subject: Harbour reopens" in message
    assert "Boats are back." in message


def test_a_refused_connection_is_an_error_not_silence(tmp_path):
    # A port nobody listens on: the mail must not vanish without a trace.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = production(
        SEND % ("Lost?", "No."),
        tmp_path,
        DJANGO_SETTINGS_MODULE="newsroom.settings.dev",
        DJANGO_EMAIL_BACKEND=SMTP,
        DJANGO_EMAIL_HOST="127.0.0.1",
        DJANGO_EMAIL_PORT=str(port),
    )
    assert result.returncode != 0
    assert "ConnectionRefusedError" in result.stderr
