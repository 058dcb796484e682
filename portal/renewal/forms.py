"""Forms of the renewal steps."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField


class ApplyForm(FlaskForm):
    """継続申込: the library and the number of user IDs, or 「ID数未確定」.

    Values are checked by the service (the libraries offered depend on the contract), so
    the fields here only carry them.
    """

    library = StringField("ライブラリ種別")
    seats = StringField("ユーザID数")
    seats_undetermined = BooleanField("ID数未確定で申し込む")


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token (cancel, finalize, send)."""
