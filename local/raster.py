"""A tiny RGB canvas that writes PNG with zlib and struct only (local tooling; no imaging library).

Enough to draw a metric graph a person can read: filled rectangles, 1-2 px lines, dashes,
translucent shading, and text in a 5x7 bitmap font (printable ASCII, drawn at any integer scale).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable

Colour = tuple[int, int, int]

GLYPH_WIDTH, GLYPH_HEIGHT = 5, 7
ADVANCE = GLYPH_WIDTH + 1  # one column between letters
# Printable ASCII from space (0x20) to tilde (0x7e): per glyph 7 rows, top first, as two hex
# digits each; of a row's value the 5 low bits are its pixels, the highest of them leftmost.
# `g p q y` are drawn DESCENT rows lower, below the baseline.
_FONT_HEX = (
    "00000000000000040404040400040a0a00000000000a0a1f0a1f0a0a040f140e051e04181902040813030c12140815120d04040000000000"
    "02040808080402080402020204080004150e1504000004041f040400000000000c04080000001f00000000000000000c0c00010204081000"
    "0e11131519110e040c040404040e0e11010204081f1f02040201110e02060a121f02021f101e0101110e0608101e11110e1f010204080808"
    "0e11110e11110e0e11110f01020c000c0c000c0c00000c0c000c04080204081008040200001f001f0000080402010204080e110102040004"
    "0e11010d15150e0e11111f1111111e11111e11111e0e11101010110e1c12111111121c1f10101e10101f1f10101e1010100e11101711110f"
    "1111111f1111110e04040404040e0702020202120c111214181412111010101010101f111b1515111111111119151311110e11111111110e"
    "1e11111e1010100e11111115120d1e11111e1412110f10100e01011e1f0404040404041111111111110e11111111110a041111111515150a"
    "11110a040a11111111110a0404041f01020408101f0e08080808080e001008040201000e02020202020e040a11000000000000000000001f"
    "0804000000000000000e010f110f1010161911111e00000e1010110e01010d1311110f00000e111f100e0609081c0808080f11110f01010e"
    "1010161911111104000c0404040e0200060202120c101012141814120c04040404040e00001a151511110000161911111100000e1111110e"
    "1e11111e1010100f11110f0101010000161910101000000e100e011e08081c080809060000111111130d00001111110a040000111115150a"
    "0000110a040a111111110f01010e00001f0204081f02040408040402040404040404040804040204040800000815020000"
)
DESCENT = 2
_DESCENDERS = frozenset("gpqy")
_FONT = {chr(0x20 + n): bytes.fromhex(_FONT_HEX[n * 14 : n * 14 + 14]) for n in range(len(_FONT_HEX) // 14)}


def text_width(text: str, scale: int = 1) -> int:
    return max(0, len(text) * ADVANCE * scale - scale)


def fit(text: str, width: int, scale: int = 1) -> str:
    """The text, cut with `..` if it would not fit in `width` pixels."""
    if text_width(text, scale) <= width:
        return text
    keep = max(0, (width + scale) // (ADVANCE * scale) - 2)
    return text[:keep] + ".."


def blend(colour: Colour, over: Colour, alpha: float) -> Colour:
    """`colour` laid over `over` at `alpha` (0 transparent, 1 opaque)."""
    r, g, b = (round(o + (c - o) * alpha) for o, c in zip(over, colour, strict=True))
    return (r, g, b)


def hex_colour(value: str | None, default: Colour) -> Colour:
    """`#rrggbb` as CloudWatch's widgets write colours; anything else is the default."""
    if value and len(value) == 7 and value[0] == "#":
        try:
            return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))
        except ValueError:
            return default
    return default


class Canvas:
    def __init__(self, width: int, height: int, background: Colour = (255, 255, 255)) -> None:
        self.width = width
        self.height = height
        self._pixels = bytearray(bytes(background) * (width * height))

    def pixel(self, x: int, y: int) -> Colour:
        at = (y * self.width + x) * 3
        return (self._pixels[at], self._pixels[at + 1], self._pixels[at + 2])

    def dot(self, x: int, y: int, colour: Colour) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            at = (y * self.width + x) * 3
            self._pixels[at : at + 3] = bytes(colour)

    def rect(self, x0: int, y0: int, x1: int, y1: int, colour: Colour) -> None:
        """Fill the rectangle with corners (x0, y0) and (x1, y1), both included."""
        x0, x1 = max(0, min(x0, x1)), min(self.width - 1, max(x0, x1))
        y0, y1 = max(0, min(y0, y1)), min(self.height - 1, max(y0, y1))
        run = bytes(colour) * (x1 - x0 + 1)
        for y in range(y0, y1 + 1):
            at = (y * self.width + x0) * 3
            self._pixels[at : at + len(run)] = run

    def hline(
        self, x0: int, x1: int, y: int, colour: Colour, thickness: int = 1, dash: tuple[int, int] | None = None
    ) -> None:
        for x in range(min(x0, x1), max(x0, x1) + 1):
            if dash is None or (x - min(x0, x1)) % sum(dash) < dash[0]:
                self.rect(x, y, x, y + thickness - 1, colour)

    def vline(
        self, x: int, y0: int, y1: int, colour: Colour, thickness: int = 1, dash: tuple[int, int] | None = None
    ) -> None:
        for y in range(min(y0, y1), max(y0, y1) + 1):
            if dash is None or (y - min(y0, y1)) % sum(dash) < dash[0]:
                self.rect(x, y, x + thickness - 1, y, colour)

    def line(self, x0: int, y0: int, x1: int, y1: int, colour: Colour, thickness: int = 1) -> None:
        """Bresenham's line, `thickness` pixels wide (a square pen)."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        error = dx + dy
        while True:
            self.rect(x0, y0, x0 + thickness - 1, y0 + thickness - 1, colour)
            if (x0, y0) == (x1, y1):
                return
            doubled = 2 * error
            if doubled >= dy:
                error += dy
                x0 += sx
            if doubled <= dx:
                error += dx
                y0 += sy

    def polyline(self, points: Iterable[tuple[int, int]], colour: Colour, thickness: int = 1) -> None:
        previous: tuple[int, int] | None = None
        for point in points:
            if previous is None:
                self.rect(point[0], point[1], point[0] + thickness - 1, point[1] + thickness - 1, colour)
            else:
                self.line(*previous, *point, colour, thickness)
            previous = point

    def text(self, x: int, y: int, text: str, colour: Colour, scale: int = 1) -> None:
        """`text` with its top-left corner at (x, y), GLYPH_HEIGHT + DESCENT rows tall; characters
        outside printable ASCII show as `?`."""
        for n, char in enumerate(text):
            rows = _FONT.get(char, _FONT["?"])
            left = x + n * ADVANCE * scale
            drop = DESCENT if char in _DESCENDERS else 0
            for row, bits in enumerate(rows):
                for column in range(GLYPH_WIDTH):
                    if bits & (1 << (GLYPH_WIDTH - 1 - column)):
                        top = y + (row + drop) * scale
                        self.rect(left + column * scale, top, left + (column + 1) * scale - 1, top + scale - 1, colour)

    def png(self) -> bytes:
        """8-bit RGB, no interlace, no row filter: flat backgrounds compress well enough without one."""
        stride = self.width * 3
        raw = b"".join(b"\x00" + self._pixels[y * stride : (y + 1) * stride] for y in range(self.height))
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        chunks = _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 6)) + _chunk(b"IEND", b"")
        return b"\x89PNG\r\n\x1a\n" + chunks


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
