"""A small MIME writer for the one shape of email the portal sends.

The standard library's ``EmailMessage`` takes about 1.4 ms to build one of our emails
and its legacy ``email.mime`` classes 0.6 ms, while a local SMTP server accepts one in
0.75 ms: for 10,000 opening emails, building would cost more than sending
(docs/PERFORMANCE.md). Our messages have a fixed shape, so this writes them directly:
RFC 2047 encoded headers, UTF-8 bodies in base64 (no line over 76 characters), a
multipart/alternative text and HTML, and optional attachments. Tests parse every shape
back with the standard library's parser.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from email.utils import formatdate, parseaddr
from urllib.parse import quote

CRLF = "\r\n"
WORD_BYTES = 42  # UTF-8 bytes per encoded word: 56 base64 characters, lines stay under 78


def header_text(value: str) -> str:
    """A header value: ASCII as it is, anything else as folded RFC 2047 words.

    Line breaks are removed first, so no value can inject a header.
    """
    value = " ".join(value.split())
    if value.isascii():
        return value
    words, chunk, size = [], [], 0
    for char in value:
        width = len(char.encode())
        if size + width > WORD_BYTES:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += width
    words.append("".join(chunk))
    return (CRLF + " ").join(
        "=?utf-8?b?" + base64.b64encode(w.encode()).decode() + "?=" for w in words
    )


def address(value: str) -> str:
    """A From or To value: the display name encoded when it is not ASCII."""
    name, addr = parseaddr(value)
    if not name:
        return addr
    if name.isascii():
        return '"' + name.replace("\\", "").replace('"', "") + '" <' + addr + ">"
    return header_text(name) + " <" + addr + ">"


def _base64_lines(data: bytes) -> str:
    return base64.encodebytes(data).decode().replace("\n", CRLF)


def _text_part(subtype: str, text: str) -> str:
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"{CRLF}'
        f"Content-Transfer-Encoding: base64{CRLF}{CRLF}" + _base64_lines(text.encode())
    )


def _attachment_part(filename: str, content_type: str, data: bytes) -> str:
    # RFC 2231: a non-ASCII name goes as name*/filename* only, which mail clients prefer.
    if filename.isascii():
        name = '"' + filename.replace('"', "").replace("\\", "") + '"'
        params = f"name={name}", f"filename={name}"
    else:
        params = f"name*=UTF-8''{quote(filename)}", f"filename*=UTF-8''{quote(filename)}"
    return (
        f"Content-Type: {content_type}; {params[0]}{CRLF}"
        f"Content-Transfer-Encoding: base64{CRLF}"
        f"Content-Disposition: attachment; {params[1]}{CRLF}{CRLF}" + _base64_lines(data)
    )


def _multipart(subtype: str, parts: Sequence[str]) -> str:
    # "=_" cannot occur in base64 text, so the boundary never collides with a body.
    boundary = "=_" + secrets.token_hex(12)
    body = "".join(f"--{boundary}{CRLF}{part}" for part in parts)
    return (
        f'Content-Type: multipart/{subtype}; boundary="{boundary}"{CRLF}{CRLF}'
        f"{body}--{boundary}--{CRLF}"
    )


def build(
    *,
    sender: str,
    to: str,
    subject: str,
    message_id: str,
    text: str,
    html: str | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> bytes:
    """The whole message as bytes, ready for SMTP DATA."""
    content = _text_part("plain", text)
    if html is not None:
        content = _multipart("alternative", [content, _text_part("html", html)])
    if attachments:
        content = _multipart("mixed", [content] + [_attachment_part(*a) for a in attachments])
    headers = [
        f"From: {address(sender)}",
        f"To: {address(to)}",
        f"Subject: {header_text(subject)}",
        f"Date: {formatdate(localtime=False)}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
    ]
    return (CRLF.join(headers) + CRLF + content).encode("ascii")
