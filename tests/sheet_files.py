"""Spreadsheet files for tests: good ones, and hostile ones built from good ones."""

from __future__ import annotations

import io
import re
import zipfile

from portal.sheets import Sheet, write_xlsx

HEADER = ["ユーザID", "氏名", "性別", "メールアドレス", "アカウント種別", "作成日", "更新日"]


def xlsx(rows, header=HEADER) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, [Sheet("ユーザID一覧", header, rows)])
    return buffer.getvalue()


def csv_bytes(rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    lines = [",".join(header)] + [",".join(str(c) for c in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def rewrite(data: bytes, part: str, change) -> bytes:
    """The same xlsx with one part's text changed by ``change``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = source.read(name)
            if name == part:
                content = change(content.decode()).encode()
            target.writestr(name, content)
    return out.getvalue()


def lying_dimension(data: bytes) -> bytes:
    """A sheet that claims to hold A1:B2 only."""

    def lie(xml: str) -> str:
        xml = re.sub(r"<dimension[^>]*/>", "", xml)
        return xml.replace("<sheetViews>", '<dimension ref="A1:B2"/><sheetViews>', 1)

    return rewrite(data, "xl/worksheets/sheet1.xml", lie)


def entity_bomb(data: bytes) -> bytes:
    """Billion laughs in the sheet's XML."""
    dtd = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
    return rewrite(data, "xl/worksheets/sheet1.xml",
                   lambda xml: dtd + re.sub(r"^<\?xml[^>]*\?>", "", xml))


def zip_bomb(declared_mb: int = 400) -> bytes:
    """A zip whose one part inflates to ``declared_mb`` of zeros (~400 KB on disk)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr("[Content_Types].xml", "<Types/>")
        target.writestr("xl/workbook.xml", "<workbook/>")
        with target.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            block = b"\0" * (1024 * 1024)
            for _ in range(declared_mb):
                part.write(block)
    return out.getvalue()


EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode"


def minimal_xlsx(rows: int) -> bytes:
    """An xlsx written by hand with ``rows`` data rows of inline strings: fast to make at
    any size, so a 200,001-row file costs the test a second, not a minute."""
    body = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>ID-{n:06d}</t></is></c></row>'
        for n in range(2, rows + 2)
    )
    return hand_made_xlsx('<row r="1"><c r="A1" t="inlineStr"><is><t>ユーザID</t></is></c>'
                          f"</row>{body}")


def shared_string_bomb(cells: int = 200_000, size: int = 100_000) -> bytes:
    """One ``size``-character shared string referenced by ``cells`` cells: about 1 MB on
    disk, ``cells`` × ``size`` characters once a reader copies it into every cell."""
    body = "".join(f'<row r="{n}"><c r="A{n}" t="s"><v>1</v></c></row>'
                   for n in range(2, cells + 2))
    strings = f'<si><t>ユーザID</t></si><si><t>{"x" * size}</t></si>'
    return hand_made_xlsx(f'<row r="1"><c r="A1" t="s"><v>0</v></c></row>{body}', strings)


def hand_made_xlsx(rows_xml: str, shared_strings: str | None = None) -> bytes:
    """A one-sheet xlsx around ``rows_xml`` (the <row>s), with a shared-strings part."""
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
             f'openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows_xml}</sheetData>'
             "</worksheet>")
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://'
        'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default '
        'Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+'
        'xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://'
        'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
        f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" '
        f'xmlns:r="{rel}"><sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
        f'Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="'
                                         f'{main}">{shared_strings}</sst>')
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
            "</Relationships>", f'<Relationship Id="rId2" Type="{rel}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, text in parts.items():
            target.writestr(name, text)
    return out.getvalue()
