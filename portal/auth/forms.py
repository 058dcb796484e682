"""Forms of the staff login."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length


class LoginForm(FlaskForm):
    login_id = StringField("ログインID", validators=[InputRequired("ログインIDを入力してください。")])
    password = PasswordField("パスワード", validators=[InputRequired("パスワードを入力してください。")])


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "新しいパスワード",
        validators=[
            InputRequired("パスワードを入力してください。"),
            Length(min=10, max=128, message="パスワードは10文字以上128文字以内にしてください。"),
        ],
    )
    confirm = PasswordField(
        "新しいパスワード(確認)",
        validators=[EqualTo("password", message="確認用のパスワードが一致しません。")],
    )
