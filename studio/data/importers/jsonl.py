"""JSON Lines and JSON arrays, read as a stream.

A ``.jsonl`` file holds one JSON object per line (blank lines are skipped); a ``.json`` file may be the same
or one top-level array of objects (``[{...}, {...}]``, e.g. the MS MARCO files), decoded element by element so
a large file never sits in memory as one Python list. Rows are located as ``line N`` or ``item N``.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from pathlib import Path

from studio.data.importers.base import BOM, RawRow, SourceTable, check_text_file, decode_line

CHUNK_BYTES = 1 << 20
_WHITESPACE = " \t\r\n"


def read_jsonl(path: Path) -> Iterator[RawRow]:
    """Rows of a JSON Lines file; a bad line becomes a row with a problem, the others still come."""
    offset = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            offset += len(raw)
            where = f"line {number}"
            text, problem = decode_line(raw, number)
            if text is None:
                yield RawRow(where, None, problem, offset)
                continue
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                yield RawRow(where, None, f"not valid JSON ({exc.msg} at column {exc.colno})", offset)
                continue
            if not isinstance(value, dict):
                yield RawRow(where, None, f"expected a JSON object, found {type(value).__name__}", offset)
                continue
            yield RawRow(where, value, "", offset)


def _skip_space(buffer: str, position: int) -> int:
    while position < len(buffer) and buffer[position] in _WHITESPACE:
        position += 1
    return position


def read_json_array(path: Path) -> Iterator[RawRow]:
    """Elements of a top-level JSON array, one at a time; a syntax error ends the file with one problem row."""
    decoder = json.JSONDecoder()
    utf8 = codecs.getincrementaldecoder("utf-8")("strict")
    buffer, position, offset, item, state = "", 0, 0, 0, "open"
    with path.open("rb") as handle:
        while state != "closed":
            chunk = handle.read(CHUNK_BYTES)
            eof = not chunk
            if offset == 0:
                chunk = chunk.removeprefix(BOM)
            offset += len(chunk)
            try:
                buffer = buffer[position:] + utf8.decode(chunk, final=eof)
            except UnicodeDecodeError:
                yield RawRow(f"item {item + 1}", None, "not valid UTF-8; save the file as UTF-8", offset)
                return
            position = 0
            while True:
                position = _skip_space(buffer, position)
                if position >= len(buffer):
                    break
                char = buffer[position]
                if state == "open":
                    if char != "[":
                        yield RawRow("item 1", None, "expected a JSON array ('[') or one object per line", offset)
                        return
                    state, position = "first", position + 1
                elif state in ("first", "separator") and char == "]":
                    state = "closed"
                    break
                elif state == "separator":
                    if char != ",":
                        yield RawRow(f"item {item + 1}", None, "not valid JSON (expected ',' or ']')", offset)
                        return
                    state, position = "value", position + 1
                else:
                    try:
                        value, end = decoder.raw_decode(buffer, position)
                    except json.JSONDecodeError as exc:
                        if eof:
                            yield RawRow(f"item {item + 1}", None, f"not valid JSON ({exc.msg})", offset)
                            return
                        break  # probably cut at the chunk boundary: read more
                    if end >= len(buffer) and not eof:
                        break  # a number or literal may continue in the next chunk
                    item, position, state = item + 1, end, "separator"
                    if isinstance(value, dict):
                        yield RawRow(f"item {item}", value, "", offset)
                    else:
                        yield RawRow(f"item {item}", None, f"expected a JSON object, found {type(value).__name__}",
                                     offset)
            if eof and state != "closed":
                problem = "no JSON array found" if state == "open" else "the JSON array is not closed (missing ']')"
                yield RawRow(f"item {item + 1}", None, problem, offset)
                return


def _is_array(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(4096).removeprefix(BOM).lstrip()
    return head.startswith(b"[")


def open_json(path: Path, fmt: str = "jsonl") -> SourceTable:
    """A JSONL file, or a ``.json`` file holding either JSON Lines or one array of objects."""
    size = check_text_file(path)
    reader = read_json_array if _is_array(path) else read_jsonl
    return SourceTable(path.name, "json" if reader is read_json_array else fmt, lambda: reader(path), size, path)
