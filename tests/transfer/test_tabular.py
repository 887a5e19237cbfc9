"""Reading CSV and XLSX uploads: detection by content, limits before parsing (zip bombs),
header normalisation, line and column in every problem."""

import io
import zipfile

import openpyxl
import pytest

from stretch.transfer.tabular import Cells, Problem, TableError, read_table


def read(data, **kw):
    kw.setdefault("columns", ("name", "key_result", "start"))
    return read_table(data, "f", **kw)


def refused(data, **kw) -> list[Problem]:
    with pytest.raises(TableError) as caught:
        read(data, **kw)
    return caught.value.problems


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_csv_with_a_bom_and_odd_header_spelling_reads_with_line_numbers():
    table = read('\ufeffName, Key Result ,START\n\nAna,"multi\nline",3\nBo,x,4\n'.encode())
    assert table.file_format == "csv" and table.columns == ["name", "key_result", "start"]
    assert [(r.line, r.cells["name"]) for r in table.rows] == [(3, "Ana"), (5, "Bo")]


def test_xlsx_reads_by_content_whatever_the_name():
    table = read_table(
        xlsx([["Name", "Start"], ["Ana", 2.5], [None, None], ["Bo", 3]]),
        "x.csv",
        columns=("name", "start"),
    )
    assert table.file_format == "xlsx"
    assert [(r.line, r.cells["start"]) for r in table.rows] == [(2, "2.5"), (4, "3")]


def test_a_leading_apostrophe_before_a_formula_character_is_dropped():
    table = read(b"name\n'=SUM(A1)\n'plain\n")
    assert [r.cells["name"] for r in table.rows] == ["=SUM(A1)", "'plain"]


@pytest.mark.parametrize(
    "data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00", "naïve".encode("latin-1"), b"a\x00b"]
)
def test_anything_else_is_not_a_csv_or_xlsx_file(data):
    assert [p.message for p in refused(data)] == ["The file is not a CSV or XLSX file."]


def test_a_zip_that_is_no_spreadsheet_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "not a CSV or XLSX" in refused(buffer.getvalue())[0].message


def test_unknown_missing_and_doubled_columns_are_named_on_line_one():
    problems = refused(b"name,shoe size,name\nAna,44,Ana\n", required=("name", "start"))
    assert [(p.line, p.column) for p in problems] == [(1, "shoe_size"), (1, "name"), (1, "start")]
    assert "shoe_size" in problems[0].message


def test_a_file_larger_than_the_limit_is_refused_unread(settings):
    settings.STRETCH_IMPORT_MAX_BYTES = 100
    assert "larger than 100 bytes" in refused(b"name\n" + b"x" * 200)[0].message


def test_too_many_rows_are_refused_while_counting(settings):
    settings.STRETCH_IMPORT_MAX_ROWS = 5
    assert "more than 5 rows" in refused(b"name\n" + b"a\n" * 6)[0].message
    assert "more than 5 rows" in refused(xlsx([["name"]] + [["a"]] * 6))[0].message
    assert len(read(b"name\n" + b"a\n" * 5).rows) == 5


def test_an_xlsx_bomb_is_refused_before_openpyxl_opens_it(settings, monkeypatch):
    settings.STRETCH_IMPORT_MAX_BYTES = 200_000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * 5_000_000 + b"</a>")
    data = buffer.getvalue()
    assert len(data) < 200_000
    import openpyxl as loaded

    monkeypatch.setattr(loaded, "load_workbook", lambda *a, **k: pytest.fail("opened a bomb"))
    assert "would unpack to" in refused(data)[0].message


def test_an_xlsx_of_too_many_parts_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(600):
            archive.writestr(f"xl/part{n}.xml", "")
    assert "parts" in refused(buffer.getvalue())[0].message


def test_an_xlsx_with_a_million_empty_rows_stops_counting(settings):
    settings.STRETCH_IMPORT_MAX_ROWS = 10
    book = openpyxl.Workbook()
    book.active.append(["name"])
    book.active.cell(row=1_000_000, column=1, value="far away")
    buffer = io.BytesIO()
    book.save(buffer)
    assert "more than 10 rows" in refused(buffer.getvalue())[0].message


def test_bad_numbers_and_dates_name_line_and_column():
    table = read_table(
        b'n,d\n12.5,2026-01-31\n"12,5",31/01/2026\nabc,\n1_000,\n', "f", columns=("n", "d")
    )
    problems: list[Problem] = []
    values = []
    for row in table.rows:
        cells = Cells(row, problems)
        values.append((cells.number("n"), cells.date("d")))
    assert values[0][0] == 12.5 and str(values[0][1]) == "2026-01-31"
    assert [(p.line, p.column) for p in problems] == [(3, "n"), (3, "d"), (4, "n"), (5, "n")]
    assert str(problems[0]).startswith("line 3, column n: “12,5” is not a number")


def _claiming_the_whole_sheet(data: bytes) -> bytes:
    """The same XLSX file, its sheet's <dimension> claiming A1:XFD1048576."""
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for entry in source.infolist():
            content = source.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                start = text.index("<dimension ref=")
                end = text.index("/>", start) + 2
                content = (text[:start] + '<dimension ref="A1:XFD1048576"/>' + text[end:]).encode()
                assert b"XFD1048576" in content
            out.writestr(entry, content)
    return target.getvalue()


def test_an_xlsx_claiming_the_whole_sheet_reads_rows_no_wider_than_the_header():
    from stretch.transfer.tabular import _xlsx_lines

    rows = [["name", "key_result", "start"], *[[f"n{i}", "k", i] for i in range(50)]]
    data = _claiming_the_whole_sheet(xlsx(rows))
    lines = list(_xlsx_lines(data, None))
    assert len(lines) == 51
    assert {len(values) for _line, values in lines} == {3}
    assert lines[1] == (2, ("n0", "k", 0))
    table = read(data)
    assert [row.line for row in table.rows][:2] == [2, 3] and len(table.rows) == 50


def test_an_xlsx_claiming_the_whole_sheet_is_still_refused_past_the_row_limit(settings):
    settings.STRETCH_IMPORT_MAX_ROWS = 10
    rows = [["name", "key_result", "start"], *[[f"n{i}", "k", i] for i in range(11)]]
    problems = refused(_claiming_the_whole_sheet(xlsx(rows)))
    assert problems[0].line == 12 and "more than 10 rows" in problems[0].message


def test_a_text_longer_than_its_limit_names_line_and_column():
    table = read(b"name,start\n" + b"x" * 31 + b",1\n")
    problems: list[Problem] = []
    Cells(table.rows[0], problems).check_lengths({"name": 30, "start": None})
    assert [(p.line, p.column) for p in problems] == [(2, "name")]
    assert "At most 30 characters; this has 31" in problems[0].message
