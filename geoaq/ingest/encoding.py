"""Text encodings of input files: UTF-8 (with or without BOM) and GBK/GB18030 are detected.

Files exported from Chinese GIS and spreadsheet tools are often GBK. Detection tries strict
UTF-8 first (a GBK file almost never decodes as UTF-8), then GB18030 (a superset of GBK and
GB2312), then charset-normalizer's best guess.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from geoaq._errors import EncodingError

#: user spellings -> Python codec; GBK/GB2312 are read with GB18030, their strict superset
_ALIASES = {
    "auto": "auto",
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "utf8-sig": "utf-8-sig",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "gb18030": "gb18030",
    "cp936": "gb18030",
    "936": "gb18030",
    "65001": "utf-8",  # Windows code page number for UTF-8, as some .cpg files spell it
    "cp65001": "utf-8",
    "ansi 936": "gb18030",
}


def normalize_encoding(name: str) -> str:
    """Map a declared encoding ("gbk", "UTF-8", a .cpg's "936") to a Python codec name."""
    key = name.strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        return codecs.lookup(key).name
    except LookupError:
        raise EncodingError(
            f"unknown encoding {name!r}; use auto, utf-8 or gbk (or any Python codec name)"
        ) from None


def _first_bad_byte(raw: bytes, codec: str) -> tuple[int, int]:
    """(line, byte offset) of the first byte `codec` cannot decode."""
    try:
        raw.decode(codec)
    except UnicodeDecodeError as exc:
        return raw.count(b"\n", 0, exc.start) + 1, exc.start
    return 0, -1


def detect_encoding(raw: bytes) -> str:
    """The codec that decodes `raw`: utf-8-sig, utf-8, gb18030 or charset-normalizer's guess."""
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for codec in ("utf-8", "gb18030"):
        try:
            raw.decode(codec)
            return codec
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:1_000_000]).best()
    if best is not None:
        return best.encoding
    raise EncodingError("cannot detect the text encoding (tried UTF-8, GBK/GB18030)")


def decode_bytes(raw: bytes, declared: str, source: Path | str) -> tuple[str, str]:
    """Decode a file's bytes; return (text, codec used). Errors name the file, line and byte."""
    codec = detect_encoding(raw) if normalize_encoding(declared) == "auto" else normalize_encoding(declared)
    if codec == "utf-8" and raw.startswith(codecs.BOM_UTF8):
        codec = "utf-8-sig"
    try:
        return raw.decode(codec), codec
    except UnicodeDecodeError as exc:
        line, offset = _first_bad_byte(raw, codec)
        hint = "; try --encoding auto" if declared != "auto" else ""
        raise EncodingError(
            f"{source}: line {line} (byte {offset}) is not valid {codec}: {exc.reason}{hint}"
        ) from exc


def display_name(codec: str) -> str:
    """How the report names a codec: GB18030 is shown as GBK/GB18030."""
    return {"gb18030": "GBK/GB18030", "utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8"}.get(codec, codec)
