"""The MIME writer, checked by the standard library's parser."""

from email import message_from_bytes
from email.policy import default

from portal import mime

LONG_SUBJECT = "【e-Library】金ライブラリ 受講開始のご案内 とても長い件名が続きます" * 3


def parse(data: bytes):
    return message_from_bytes(data, policy=default)


def test_text_only_message():
    data = mime.build(sender="e-Library 事務局 <noreply@example.jp>", to="u@example.jp",
                      subject="件名", message_id="<1@example.jp>", text="本文\n二行目")
    message = parse(data)
    assert message["Subject"] == "件名"
    assert message["From"].addresses[0].display_name == "e-Library 事務局"
    assert message["From"].addresses[0].addr_spec == "noreply@example.jp"
    assert message.get_content_type() == "text/plain"
    assert message.get_content() == "本文\n二行目"
    assert message["Message-ID"] == "<1@example.jp>"


def test_alternative_long_subject_and_long_lines():
    text = "長い行" * 500 + "\n終わり"
    data = mime.build(sender="noreply@example.jp", to="山田 <yamada@example.jp>",
                      subject=LONG_SUBJECT, message_id="<2@example.jp>", text=text,
                      html="<p>本文</p>")
    assert max(len(line) for line in data.split(b"\r\n")) <= 78
    message = parse(data)
    assert message["Subject"] == LONG_SUBJECT
    assert message["To"].addresses[0].display_name == "山田"
    assert message.get_body(("plain",)).get_content() == text
    assert message.get_body(("html",)).get_content() == "<p>本文</p>"


def test_attachment_with_a_japanese_name():
    data = mime.build(sender="noreply@example.jp", to="u@example.jp", subject="月次報告",
                      message_id="<3@example.jp>", text="添付します", html="<p>添付</p>",
                      attachments=[("利用状況_2026-10.xlsx", "application/octet-stream",
                                    b"PK\x03\x04binary\x00data")])
    message = parse(data)
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "利用状況_2026-10.xlsx"
    assert attachment.get_content() == b"PK\x03\x04binary\x00data"
    assert message.get_body(("plain",)).get_content() == "添付します"


def test_headers_cannot_be_injected():
    data = mime.build(sender="noreply@example.jp", to="u@example.jp",
                      subject="hello\r\nBcc: victim@example.jp", message_id="<4@example.jp>",
                      text="x")
    assert b"\r\nBcc:" not in data
    assert parse(data)["Subject"] == "hello Bcc: victim@example.jp"
