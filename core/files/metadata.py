"""Removing what a photo says about itself: where and when it was taken, on
which phone, and any embedded preview.

JPEG segments and PNG chunks are walked and copied byte for byte, except
those that carry metadata, so the picture itself is not decoded or
re-encoded: no loss of quality, and no image decoder run on untrusted input.
The price is that a JPEG loses its EXIF orientation, so a phone photo taken
sideways may show sideways.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

JPEG = "image/jpeg"
PNG = "image/png"

_SOI, _EOI, _SOS, _COM = 0xD8, 0xD9, 0xDA, 0xFE
_APP0, _APP2, _APP14, _APP15 = 0xE0, 0xE2, 0xEE, 0xEF
# Markers without a length field: RST0-RST7 and TEM.
_STANDALONE = frozenset({*range(0xD0, 0xD8), 0x01})
_ICC = b"ICC_PROFILE\x00"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Text, EXIF and the modification time; colour and pixel chunks stay.
_PNG_DROPPED = frozenset({b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"})


class DamagedImage(ValueError):
    """The image's structure is broken, so its metadata cannot be found."""


def strip(data: bytes, content_type: str) -> bytes:
    """``data`` without its metadata if it is a JPEG or PNG; else unchanged."""
    if content_type == JPEG:
        return _strip_jpeg(data)
    if content_type == PNG:
        return _strip_png(data)
    return data


def _dropped_jpeg_segment(marker: int, body: bytes) -> bool:
    if marker == _COM:
        return True
    if not _APP0 <= marker <= _APP15 or marker in (_APP0, _APP14):
        return False
    # APP2 carries either the colour profile (kept) or extra pictures (MPF).
    return not (marker == _APP2 and body.startswith(_ICC))


def _strip_jpeg(data: bytes) -> bytes:
    if data[:2] != b"\xff" + bytes([_SOI]):
        raise DamagedImage("not a JPEG")
    out = bytearray(data[:2])
    i, end = 2, len(data)
    while i < end:
        if data[i] != 0xFF or i + 1 >= end:
            raise DamagedImage("expected a JPEG marker")
        marker = data[i + 1]
        if marker == 0xFF:  # a fill byte before the marker
            i += 1
            continue
        if marker == _EOI:
            out += data[i : i + 2]
            return bytes(out)  # anything after the image is dropped too
        if marker in _STANDALONE:
            out += data[i : i + 2]
            i += 2
            continue
        if i + 4 > end:
            raise DamagedImage("a JPEG segment is cut short")
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        stop = i + 2 + length
        if length < 2 or stop > end:
            raise DamagedImage("a JPEG segment is cut short")
        if not _dropped_jpeg_segment(marker, data[i + 4 : stop]):
            out += data[i:stop]
        i = stop
        if marker == _SOS:
            i = _after_scan(data, i, out)
    return bytes(out)


def _after_scan(data: bytes, i: int, out: bytearray) -> int:
    """Copy a scan's coded data to ``out``; return where the next marker is."""
    j, end = i, len(data)
    while j + 1 < end:
        if data[j] == 0xFF and data[j + 1] not in (0x00, 0xFF, *_STANDALONE):
            break
        j += 1
    else:
        j = end  # no end-of-image marker: keep the data as it is
    out += data[i:j]
    return j


def _strip_png(data: bytes) -> bytes:
    if not data.startswith(PNG_SIGNATURE):
        raise DamagedImage("not a PNG")
    out = bytearray(PNG_SIGNATURE)
    i, end = len(PNG_SIGNATURE), len(data)
    while i < end:
        if i + 12 > end:
            raise DamagedImage("a PNG chunk is cut short")
        length = int.from_bytes(data[i : i + 4], "big")
        kind = data[i + 4 : i + 8]
        stop = i + 12 + length
        if stop > end:
            raise DamagedImage("a PNG chunk is cut short")
        if kind not in _PNG_DROPPED:
            out += data[i:stop]
        i = stop
        if kind == b"IEND":
            break
    return bytes(out)
