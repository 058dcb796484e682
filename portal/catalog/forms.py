"""Forms of the catalog: its filters, the title request, and the operators' forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    IntegerField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal import params
from portal.addresses import ValidAddress


class JapaneseDateField(DateField):
    """A date typed as YYYY-MM-DD, refused in Japanese."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("日付は 2027-03-31 のように YYYY-MM-DD の形で入力してください。") from None


class JapaneseIntegerField(IntegerField):
    """A whole number, refused in Japanese."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("半角数字で入力してください。") from None


def id_or_none(value):
    """A select's value as an id; anything else (empty, words) means "all"."""
    if isinstance(value, int):
        return value or None
    return params.whole(value, low=1) if isinstance(value, str) else None


class CatalogFilterForm(FlaskForm):
    """Search and filters of a catalog list: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField("書名・著者名・出版社名でさがす", validators=[Optional()])
    publisher = SelectField("出版社", coerce=id_or_none, validate_choice=False)
    category = SelectField("分類", coerce=id_or_none, validate_choice=False)
    library = SelectField("ライブラリ", coerce=id_or_none, validate_choice=False)
    page = IntegerField("ページ", validators=[Optional(), NumberRange(min=1)])

    def fill_choices(self, publishers, categories, libraries=None) -> None:
        """Offer every publisher and category (and library), with 「すべて」 first."""
        self.publisher.choices = [("", "すべての出版社")] + [(p.id, p.name) for p in publishers]
        self.category.choices = [("", "すべての分類")] + [(c.id, c.name) for c in categories]
        if libraries is None:
            del self.library
        else:
            self.library.choices = [("", "すべてのライブラリ")] + [(x.id, x.name) for x in libraries]


class TitleRequestForm(FlaskForm):
    """掲載リクエスト: forwarded to the publisher; the requester gets an acknowledgement."""

    publisher = SelectField(
        "出版社", coerce=id_or_none, validators=[InputRequired("出版社を選んでください。")]
    )
    title = StringField(
        "読みたい本の書名",
        validators=[InputRequired("書名を入力してください。"), Length(max=200, message="書名は200文字以内で入力してください。")],
    )
    author = StringField(
        "著者名(わかれば)", validators=[Optional(), Length(max=200, message="著者名は200文字以内で入力してください。")]
    )
    message = TextAreaField(
        "出版社へのメッセージ(任意)",
        validators=[Optional(), Length(max=1000, message="メッセージは1000文字以内で入力してください。")],
    )
    requester_name = StringField(
        "お名前",
        validators=[InputRequired("お名前を入力してください。"), Length(max=100, message="お名前は100文字以内で入力してください。")],
    )
    requester_email = StringField(
        "メールアドレス(受付確認メールの送り先)",
        validators=[
            InputRequired("メールアドレスを入力してください。"),
            ValidAddress(),
        ],
    )
    organisation_name = StringField(
        "学校名・団体名(任意)", validators=[Optional(), Length(max=200, message="学校名・団体名は200文字以内で入力してください。")]
    )


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: readable without a multi-select's ctrl-click."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BookForm(FlaskForm):
    """A title as operators edit it; its pages come as text split by lines of ``---``."""

    code = StringField(
        "書籍コード",
        validators=[InputRequired("書籍コードを入力してください。"), Length(max=40, message="書籍コードは40文字以内です。")],
    )
    title = StringField(
        "書名", validators=[InputRequired("書名を入力してください。"), Length(max=200, message="書名は200文字以内です。")]
    )
    author = StringField(
        "著者", validators=[InputRequired("著者を入力してください。"), Length(max=200, message="著者は200文字以内です。")]
    )
    publisher = SelectField("出版社", coerce=id_or_none, validators=[InputRequired("出版社を選んでください。")])
    category = SelectField("分類", coerce=id_or_none, validators=[InputRequired("分類を選んでください。")])
    listed_until = JapaneseDateField(
        "掲載期限(この日まで読めます)",
        validators=[InputRequired("掲載期限を YYYY-MM-DD で入力してください。")],
    )
    libraries = MultiCheckboxField("収録ライブラリ", coerce=int)
    description = TextAreaField("内容紹介", validators=[Optional(), Length(max=2000)])
    body = TextAreaField("本文", validators=[Optional()])


class PublisherForm(FlaskForm):
    name = StringField(
        "出版社名", validators=[InputRequired("出版社名を入力してください。"), Length(max=100, message="出版社名は100文字以内です。")]
    )
    contact_email = StringField(
        "リクエストの送り先(メールアドレス)",
        validators=[
            InputRequired("メールアドレスを入力してください。"),
            ValidAddress(),
        ],
    )


class CategoryForm(FlaskForm):
    name = StringField(
        "分類名", validators=[InputRequired("分類名を入力してください。"), Length(max=50, message="分類名は50文字以内です。")]
    )
    position = JapaneseIntegerField(
        "表示順", default=0, validators=[InputRequired("表示順を数字で入力してください。"), NumberRange(min=0, max=999)]
    )


class ImportForm(FlaskForm):
    file = FileField("カタログのファイル(.xlsx)", validators=[FileRequired("ファイルを選んでください。")])


class ConfirmImportForm(FlaskForm):
    upload_id = JapaneseIntegerField(validators=[InputRequired()])
