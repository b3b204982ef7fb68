"""Lays out and draws one metric graph (a parsed MetricWidget with its series) on a raster canvas.

Light theme, like CloudWatch's default: title, y-axis with round ticks and grid, time axis in
the widget's time zone, one line per visible series, dashed horizontal annotations shaded on
their `fill` side, vertical annotations, a legend at the bottom, "No data available." when no
series has a datapoint in the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from local.raster import DESCENT, GLYPH_HEIGHT, Canvas, Colour, blend, fit, text_width

WHITE: Colour = (255, 255, 255)
INK: Colour = (68, 68, 68)
FAINT_INK: Colour = (135, 135, 135)
GRID: Colour = (232, 232, 232)
AXIS: Colour = (175, 175, 175)
FILL_ALPHA = 0.12
PAD = 10
TITLE_SCALE = 2
LINE_WIDTH = 2
DASH = (7, 4)
TIME_STEPS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800)
NO_DATA = "No data available."


@dataclass(frozen=True)
class Line:
    label: str
    colour: Colour
    points: list[tuple[float, float]]  # (epoch seconds, value), in time order


@dataclass(frozen=True)
class Level:
    """A horizontal annotation; with `to`, a band between `value` and `to`."""

    value: float
    label: str
    colour: Colour
    fill: str | None = None  # above | below
    to: float | None = None


@dataclass(frozen=True)
class Moment:
    """A vertical annotation; with `to`, a band between `at` and `to`."""

    at: float  # epoch seconds
    label: str
    colour: Colour
    fill: str | None = None  # before | after
    to: float | None = None


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    start: float
    end: float
    title: str = ""
    lines: list[Line] = field(default_factory=list)
    levels: list[Level] = field(default_factory=list)
    moments: list[Moment] = field(default_factory=list)
    y_min: float | None = None
    y_max: float | None = None
    legend: bool = True
    utc_offset: timedelta = timedelta(0)


@dataclass(frozen=True)
class Plot:
    left: int
    top: int
    right: int
    bottom: int

    def x(self, start: float, end: float, at: float) -> int:
        return self.left + round((at - start) / (end - start) * (self.right - self.left))

    def y(self, low: float, high: float, value: float) -> int:
        ratio = (value - low) / (high - low)
        return min(self.bottom, max(self.top, self.bottom - round(ratio * (self.bottom - self.top))))


def draw(chart: Chart) -> bytes:
    canvas = Canvas(chart.width, chart.height, WHITE)
    ticks = y_ticks(*_y_range(chart), explicit=(chart.y_min, chart.y_max))
    labels = [number(tick, ticks) for tick in ticks]
    plot = _layout(chart, max((text_width(label) for label in labels), default=0))
    if plot.right - plot.left < 20 or plot.bottom - plot.top < 20:
        return canvas.png()  # too small for axes: the requested size, and nothing to read
    low, high = ticks[0], ticks[-1]
    _shading(canvas, chart, plot, low, high)
    _grid(canvas, plot, ticks, labels, low, high)
    _time_axis(canvas, chart, plot)
    for line in chart.lines:
        _series(canvas, chart, plot, line, low, high)
    for level in chart.levels:
        _level(canvas, plot, level, low, high)
    for moment in chart.moments:
        _moment(canvas, chart, plot, moment)
    for level in chart.levels:
        _level_label(canvas, plot, level, low, high)
    for moment in chart.moments:
        _moment_label(canvas, chart, plot, moment)
    if not any(line.points for line in chart.lines):
        middle = (plot.top + plot.bottom) // 2 - GLYPH_HEIGHT
        canvas.text((plot.left + plot.right - text_width(NO_DATA, 2)) // 2, middle, NO_DATA, FAINT_INK, 2)
    if chart.title:
        canvas.text(PAD, PAD, fit(chart.title, chart.width - 2 * PAD, TITLE_SCALE), INK, TITLE_SCALE)
    if chart.legend:
        _legend(canvas, chart, plot)
    return canvas.png()


# --- scales --------------------------------------------------------------------------------------


def _y_range(chart: Chart) -> tuple[float, float]:
    values = [value for line in chart.lines for _, value in line.points]
    values += [level.value for level in chart.levels] + [level.to for level in chart.levels if level.to is not None]
    if not values:
        return (0.0, 1.0)
    return (min(values), max(values))


def y_ticks(low: float, high: float, explicit: tuple[float | None, float | None] = (None, None)) -> list[float]:
    """Round ticks covering [low, high] (about five), or the widget's own min/max as the ends."""
    low = explicit[0] if explicit[0] is not None else low
    high = explicit[1] if explicit[1] is not None else high
    if high <= low:
        spread = abs(low) * 0.5 or 1.0
        low, high = low - spread, high + spread
    raw = (high - low) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step if explicit[0] is None else low
    last = math.ceil(high / step) * step if explicit[1] is None else high
    ticks = [first]
    while ticks[-1] + step <= last + step * 1e-9:
        ticks.append(round(ticks[-1] + step, 12))
    if ticks[-1] < last:
        ticks.append(last)
    return ticks


def number(value: float, ticks: list[float]) -> str:
    """Compact, with as many decimals as the tick step needs: 0.25, 1.5, 80, 12k, 3.5M."""
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else abs(value) or 1.0
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if max(abs(t) for t in ticks) >= 10 * scale:
            return f"{value / scale:.{_decimals(step / scale)}f}{suffix}"
    return f"{value:.{_decimals(step)}f}"


def _decimals(step: float) -> int:
    return 0 if step >= 1 else min(6, math.ceil(-math.log10(step) - 1e-9))


# --- layout and drawing --------------------------------------------------------------------------


def _legend_rows(chart: Chart) -> list[list[tuple[Line, str]]]:
    rows: list[list[tuple[Line, str]]] = [[]]
    used = 0
    room = chart.width - 2 * PAD
    for line in chart.lines:
        label = fit(line.label, room - 14)
        width = 14 + text_width(label) + 16
        if rows[-1] and used + width > room:
            rows.append([])
            used = 0
        rows[-1].append((line, label))
        used += width
    return [row for row in rows if row]


def _layout(chart: Chart, y_label_width: int) -> Plot:
    top = PAD + (GLYPH_HEIGHT * TITLE_SCALE + 10 if chart.title else 4)
    legend = len(_legend_rows(chart)) * 14 + 6 if chart.legend and chart.lines else 0
    bottom = chart.height - PAD - legend - (GLYPH_HEIGHT + 8)
    return Plot(left=PAD + y_label_width + 6, top=top, right=chart.width - PAD - 1, bottom=bottom)


def _shading(canvas: Canvas, chart: Chart, plot: Plot, low: float, high: float) -> None:
    """Annotation fills first, on white, so the grid and the lines stay on top of them."""
    for level in chart.levels:
        colour = blend(level.colour, WHITE, FILL_ALPHA)
        row = plot.y(low, high, level.value)
        if level.to is not None:
            canvas.rect(plot.left, row, plot.right, plot.y(low, high, level.to), colour)
        elif level.fill == "above":
            canvas.rect(plot.left, plot.top, plot.right, row, colour)
        elif level.fill == "below":
            canvas.rect(plot.left, row, plot.right, plot.bottom, colour)
    for moment in chart.moments:
        colour = blend(moment.colour, WHITE, FILL_ALPHA)
        column = plot.x(chart.start, chart.end, moment.at)
        if moment.to is not None:
            canvas.rect(column, plot.top, plot.x(chart.start, chart.end, moment.to), plot.bottom, colour)
        elif moment.fill == "before":
            canvas.rect(plot.left, plot.top, column, plot.bottom, colour)
        elif moment.fill == "after":
            canvas.rect(column, plot.top, plot.right, plot.bottom, colour)


def _grid(canvas: Canvas, plot: Plot, ticks: list[float], labels: list[str], low: float, high: float) -> None:
    for tick, label in zip(ticks, labels, strict=True):
        row = plot.y(low, high, tick)
        canvas.hline(plot.left, plot.right, row, GRID)
        canvas.text(plot.left - 6 - text_width(label), row - GLYPH_HEIGHT // 2, label, INK)
    canvas.vline(plot.left, plot.top, plot.bottom, AXIS)
    canvas.hline(plot.left, plot.right, plot.bottom, AXIS)


def _time_axis(canvas: Canvas, chart: Chart, plot: Plot) -> None:
    span = chart.end - chart.start
    pattern = "%H:%M" if span <= 2 * 86400 else "%m-%d"
    room = text_width("00:00") + 24
    step = next((s for s in TIME_STEPS if span / s <= max(1, (plot.right - plot.left) // room)), TIME_STEPS[-1])
    offset = chart.utc_offset.total_seconds()
    tick = math.ceil((chart.start + offset) / step) * step - offset
    while tick <= chart.end:
        column = plot.x(chart.start, chart.end, tick)
        label = datetime.fromtimestamp(tick + offset, UTC).strftime(pattern)
        canvas.vline(column, plot.bottom, plot.bottom + 3, AXIS)
        canvas.text(column - text_width(label) // 2, plot.bottom + 6, label, INK)
        tick += step


def _series(canvas: Canvas, chart: Chart, plot: Plot, line: Line, low: float, high: float) -> None:
    inside = [(at, value) for at, value in line.points if chart.start <= at <= chart.end]
    points = [(plot.x(chart.start, chart.end, at), plot.y(low, high, value)) for at, value in inside]
    if len(points) == 1:
        x, y = points[0]
        canvas.rect(x - 2, y - 2, x + 2, y + 2, line.colour)
        return
    canvas.polyline(points, line.colour, LINE_WIDTH)


def _level(canvas: Canvas, plot: Plot, level: Level, low: float, high: float) -> None:
    for row in _rows(plot, level, low, high):
        canvas.hline(plot.left, plot.right, row, level.colour, LINE_WIDTH, DASH)


def _rows(plot: Plot, level: Level, low: float, high: float) -> list[int]:
    return [plot.y(low, high, value) for value in (level.value, level.to) if value is not None]


def _level_label(canvas: Canvas, plot: Plot, level: Level, low: float, high: float) -> None:
    if not level.label:
        return
    label = fit(level.label, (plot.right - plot.left) // 2)
    row = min(_rows(plot, level, low, high))
    above = row - GLYPH_HEIGHT - DESCENT - 3
    _label(
        canvas,
        plot.right - 4 - text_width(label),
        above if above > plot.top else row + LINE_WIDTH + 3,
        label,
        level.colour,
    )


def _moment(canvas: Canvas, chart: Chart, plot: Plot, moment: Moment) -> None:
    for column in _columns(chart, plot, moment):
        canvas.vline(column, plot.top, plot.bottom, moment.colour, LINE_WIDTH)


def _columns(chart: Chart, plot: Plot, moment: Moment) -> list[int]:
    inside = [at for at in (moment.at, moment.to) if at is not None and chart.start <= at <= chart.end]
    return [plot.x(chart.start, chart.end, at) for at in inside]


def _moment_label(canvas: Canvas, chart: Chart, plot: Plot, moment: Moment) -> None:
    columns = _columns(chart, plot, moment)
    if not moment.label or not columns:
        return
    label = fit(moment.label, (plot.right - plot.left) // 2)
    left = columns[0] + LINE_WIDTH + 4
    if left + text_width(label) > plot.right:
        left = columns[0] - 4 - text_width(label)
    _label(canvas, left, plot.top + 3, label, moment.colour)


def _label(canvas: Canvas, left: int, top: int, text: str, colour: Colour) -> None:
    """Annotation text on a white box, readable where it crosses a line."""
    canvas.rect(left - 2, top - 2, left + text_width(text) + 1, top + GLYPH_HEIGHT + DESCENT, WHITE)
    canvas.text(left, top, text, colour)


def _legend(canvas: Canvas, chart: Chart, plot: Plot) -> None:
    top = plot.bottom + GLYPH_HEIGHT + 14
    for row in _legend_rows(chart):
        left = PAD
        for line, label in row:
            canvas.rect(left, top, left + 9, top + 6, line.colour)
            canvas.text(left + 14, top, label, INK)
            left += 14 + text_width(label) + 16
        top += 14
