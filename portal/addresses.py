"""One definition of an email address, for every form, upload and the sending worker.

The syntax is email-validator's (RFC 5321/5322 as relays actually accept it), with no DNS
lookup at request time. The portal does not use SMTPUTF8: the part before the @ must be
ASCII, so every relay on the way can carry it. An internationalised domain is allowed and
stored as typed (the coordinator recognises it); it goes out in its IDNA form
(``for_smtp``). Commas, quotes, angle brackets and spaces are refused, because a relay or
a mail client would read them as several addresses or a display name (docs/SECURITY.md).
"""

from __future__ import annotations

from email_validator import EmailNotValidError, ValidatedEmail, validate_email

MAX_LENGTH = 254
# Characters a relay or client would rewrite or split on; named in the message.
SEPARATORS = {",": "「,」(カンマ)", ";": "「;」", '"': "「\"」(引用符)", "<": "「<」",
              ">": "「>」", "(": "「(」", ")": "「)」", "\\": "「\\」", "、": "「、」"}


class AddressProblem(ValueError):
    """An address that the portal will not send to; the text is Japanese and names it."""


def check(value: str | None) -> str:
    """The address as the portal stores it (domain in lower case, the local part
    lower-cased as before: logins and duplicates compare it so), or AddressProblem."""
    raw = (value or "").strip()
    if not raw:
        raise AddressProblem("メールアドレスを入力してください。")
    if len(raw) > MAX_LENGTH:
        raise AddressProblem(f"メールアドレス「{raw[:40]}…」が長すぎます({MAX_LENGTH}文字以内)。")
    local, _, domain = _validated(raw).normalized.rpartition("@")
    return f"{local.lower()}@{domain}"


def for_smtp(value: str) -> str:
    """The address as it goes into the envelope and the To header: ASCII, the domain in
    IDNA. Raises AddressProblem for a stored address that cannot be sent (an old row);
    a special-use domain that the forms refuse (``.test``, say) still goes out."""
    valid = _validated((value or "").strip(), globally_deliverable=False)
    return valid.ascii_email or valid.normalized


def _validated(raw: str, **options) -> ValidatedEmail:
    """email-validator's verdict, after the refusals the portal names itself."""
    if "＠" in raw:
        raise AddressProblem(f"メールアドレス「{raw}」の「＠」が全角です。半角の「@」で入力してください。")
    for char, label in SEPARATORS.items():
        if char in raw:
            raise AddressProblem(f"メールアドレス「{raw}」には{label}を使えません。アドレスは1件ずつ入力してください。")
    if any(c.isspace() for c in raw):
        raise AddressProblem(f"メールアドレス「{raw}」に空白が含まれています。空白を除いて入力してください。")
    try:
        return validate_email(raw, check_deliverability=False, allow_smtputf8=False, **options)
    except EmailNotValidError:
        raise AddressProblem(_explain(raw)) from None


def _explain(raw: str) -> str:
    if not raw.partition("@")[0].isascii():
        return f"メールアドレス「{raw}」の@より前に日本語など半角英数字以外の文字が含まれています。このアドレスには送信できません。"
    if raw.count("@") != 1:
        return f"メールアドレス「{raw}」の形式が正しくありません(「@」を1つ含めてください。例: tanaka@example.jp)。"
    return f"メールアドレス「{raw}」の形式が正しくありません(例: tanaka@example.jp)。"


class ValidAddress:
    """A WTForms validator: refuses with ``check``'s message, and replaces the field's data
    with the address as it is stored."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        from wtforms.validators import StopValidation

        try:
            field.data = check(field.data)
        except AddressProblem as exc:
            raise StopValidation(str(exc)) from None
