"""A real SMTP server for the mail tests (aiosmtpd), started by Deploy/smtp-sink.sh.

Three listeners on 127.0.0.1, each on the port given or a free one:
  starttls  offers STARTTLS; AUTH PLAIN/LOGIN only after it; AUTH optional
  tls       implicit TLS (port 465 style); AUTH PLAIN/LOGIN required
  notls     neither STARTTLS nor AUTH (for "STARTTLS required" refusals)

At start it makes a throw-away CA and a certificate for localhost/127.0.0.1 with
the openssl CLI, and writes into --state: ca.pem, port, tls-port, notls-port.
Every message received goes to --state/maildir as NNN.eml with a NNN.json
sidecar: envelope sender and recipients, listener, connection serial (one number
per TCP connection), whether TLS was on, and the user that authenticated.

Fault injection by the recipient's local part:
  tempfail...@  451 at RCPT TO       reject...@      550 at RCPT TO
  dataerr...@   554 after DATA       closeafter...@  accepted, then the server
                                                      closes the connection and
                                                      writes maildir/closed-<serial>
The one test user is newsflash / sink-password.
"""

import argparse
import asyncio
import itertools
import json
import logging
import os
import ssl
import subprocess
import sys
import time
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

USER = b"newsflash"
PASSWORD = b"sink-password"

serials = itertools.count(1)
message_numbers = itertools.count(1)


def make_certificates(state):
    """A CA and a server certificate it signed, for localhost and 127.0.0.1."""
    ca_key, ca_pem = os.path.join(state, "ca.key"), os.path.join(state, "ca.pem")
    key, csr, cert = (os.path.join(state, n) for n in ("server.key", "server.csr", "server.pem"))
    ext = os.path.join(state, "server.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n")
    quiet = dict(check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key,
                    "-out", ca_pem, "-days", "7", "-subj", "/CN=Newsflash test sink CA"], **quiet)
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
                    "-subj", "/CN=localhost"], **quiet)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key,
                    "-CAcreateserial", "-out", cert, "-days", "7", "-extfile", ext], **quiet)
    return ca_pem, cert, key


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER and auth_data.password == PASSWORD
    if not ok:
        return AuthResult(success=False, handled=False)  # aiosmtpd then answers 535
    return AuthResult(success=True, auth_data=auth_data.login.decode())


class CountingSMTP(SMTP):
    """An aiosmtpd session that knows its listener and the serial of its TCP connection."""

    def __init__(self, handler, listener, implicit_tls, **kwargs):
        super().__init__(handler, **kwargs)
        self.listener = listener
        self.implicit_tls = implicit_tls
        self.serial = next(serials)


class Sink:
    def __init__(self, maildir):
        self.maildir = maildir

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("tempfail"):
            return "451 4.3.0 Temporary failure, try again later (sink fault injection)"
        if local.startswith("reject"):
            return "550 5.1.1 Mailbox unavailable (sink fault injection)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        locals_ = [r.split("@", 1)[0].lower() for r in envelope.rcpt_tos]
        if any(l.startswith("dataerr") for l in locals_):
            return "554 5.6.0 Message rejected after DATA (sink fault injection)"
        number = f"{time.time_ns()}-{next(message_numbers):06d}"
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "listener": server.listener,
            "connection": server.serial,
            "tls": bool(server.implicit_tls or session.ssl),
            "auth_user": session.auth_data if session.authenticated else None,
            "helo": session.host_name,
        }
        tmp = os.path.join(self.maildir, f".{number}.tmp")
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(os.path.join(self.maildir, f"{number}.json"), "w") as f:
            json.dump(meta, f)
        os.rename(tmp, os.path.join(self.maildir, f"{number}.eml"))
        if any(l.startswith("closeafter") for l in locals_):
            # As a server closing an idle connection would: after the reply has gone out. Then
            # maildir/closed-<connection> tells the tests that it is closed.
            def close():
                server.transport.close()
                open(os.path.join(self.maildir, f"closed-{server.serial}"), "w").close()
            session.loop.call_later(0.05, close)
        return "250 OK: queued as " + number


async def serve(args):
    state = os.path.abspath(args.state)
    maildir = os.path.join(state, "maildir")
    os.makedirs(maildir, exist_ok=True)
    ca_pem, cert, key = make_certificates(state)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    handler = Sink(maildir)
    loop = asyncio.get_running_loop()

    def factory(listener, **kwargs):
        return lambda: CountingSMTP(handler, listener, listener == "tls", hostname="sink.newsflash.test",
                                    authenticator=authenticate, **kwargs)

    listeners = {
        "port": await loop.create_server(
            factory("starttls", tls_context=server_tls), "127.0.0.1", args.port),
        "tls-port": await loop.create_server(
            factory("tls", auth_require_tls=False, auth_required=True), "127.0.0.1", args.tls_port,
            ssl=server_tls),
        "notls-port": await loop.create_server(factory("notls", auth_exclude_mechanism=["PLAIN", "LOGIN"]),
                                               "127.0.0.1", args.notls_port),
    }
    for name, server in listeners.items():
        with open(os.path.join(state, name), "w") as f:
            f.write(f"{server.sockets[0].getsockname()[1]}\n")
    print(" ".join(f"{n}={s.sockets[0].getsockname()[1]}" for n, s in listeners.items()), f"ca={ca_pem}",
          flush=True)
    await asyncio.gather(*(s.serve_forever() for s in listeners.values()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", required=True, help="folder for ports, certificates and the maildir")
    parser.add_argument("--port", type=int, default=0, help="STARTTLS listener (0: a free port)")
    parser.add_argument("--tls-port", type=int, default=0, help="implicit TLS listener (0: a free port)")
    parser.add_argument("--notls-port", type=int, default=0, help="listener without TLS or AUTH (0: a free port)")
    args = parser.parse_args()
    # aiosmtpd warns about AUTH without STARTTLS on the implicit TLS listener, where TLS is already on.
    warnings.filterwarnings("ignore", module="aiosmtpd")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass
    except subprocess.CalledProcessError as error:
        sys.exit(f"smtp_sink: openssl failed: {error.stderr.decode(errors='replace')}")


if __name__ == "__main__":
    main()
