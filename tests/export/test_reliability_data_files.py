"""Data files on the export side (issue 14): bytes that are not UTF-8 and a news label with a
single row are named by file (and line).
"""

from __future__ import annotations

import pytest
from test_build_cli import assert_one_line_error, build_on


@pytest.mark.parametrize(
    ("relative", "task"),
    [
        ("conll2003/valid.txt", "ner"),
        ("news/bbc_news.csv", "news"),
        ("dailydialog/test.txt", "mlm"),
    ],
)
def test_non_utf8_bytes_are_named_by_file_and_line(capsys, tmp_path, data_copy, relative, task):
    path = data_copy / relative
    lines = path.read_bytes().split(b"\n")
    lines[4] += b" caf\xe9"  # latin-1, on line 5
    path.write_bytes(b"\n".join(lines))
    code, err = build_on(capsys, tmp_path, data_copy, task=task)
    assert_one_line_error(code, err, f"{relative}:5: byte 0xe9 is not UTF-8")


def test_a_news_label_with_a_single_row_is_named(capsys, tmp_path, data_copy):
    path = data_copy / "news" / "bbc_news.csv"
    path.write_text(path.read_text() + '"A one-off article about kites.",kites\n')
    code, err = build_on(capsys, tmp_path, data_copy, task="news")
    assert_one_line_error(code, err, "label 'kites' has 1 row(s)")
    assert "bbc_news.csv" in err
