"""Forms of the learner area."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, PasswordField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional


class LearnerLoginForm(FlaskForm):
    login_id = StringField("ID", validators=[InputRequired("IDを入力してください。")])
    password = PasswordField("パスワード", validators=[InputRequired("パスワードを入力してください。")])


class BookmarkForm(FlaskForm):
    page = IntegerField("ページ", validators=[InputRequired(), NumberRange(min=1)])


class RemoveBookmarkForm(FlaskForm):
    # The reader page to return to; absent when removed from the catalog page.
    back_to_page = HiddenField(validators=[Optional()])
