"""The daily summary's chart: ready to sync versus synced by the bot, per day, one panel a currency.

Pure: the summary's `Picture`s in (bot/services/summaries.py), PNG bytes out; the same pictures
always give the same bytes. Drawn with Pillow's ImageDraw (rectangles, and text in the font Pillow
ships), because a few bars need no plotting stack: Pillow is one 7 MB wheel with no numpy, where
matplotlib brings eleven wheels, 41 MB, numpy among them (README, "The summary's chart").

Each panel has its own scale (one currency's amounts say nothing of another's), the currency in
its title and its legend, and one colour per series. Only the days the bot has seen are drawn
(the service leaves the others out); a day with syncs but no ready reading has a dash for its
ready bar. `describe` is the same figures as text, for the image's alt text and the PNG's
Description.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

from bot.money import Money, minor_units

if TYPE_CHECKING:
    from bot.services.summaries import DayBar, Picture

Colour = tuple[int, int, int]
Box = tuple[int, int, int, int]  # left, top, right, bottom, in pixels (right and bottom included)

MAX_WIDTH = 760  # fourteen days
MIN_WIDTH = 560  # the title and the legend fit
MAX_SLOT = 90  # pixels a day at most: a few days are not spread over the whole width
PANEL_HEIGHT = 220
PLOT_TOP = 56  # from the panel's top: title and legend above
PLOT_HEIGHT = 120
PLOT_LEFT = 60  # room for the amounts of the scale
MARGIN = 20  # right of the plot
MAX_BAR_WIDTH = 22
BACKGROUND: Colour = (255, 255, 255)
INK: Colour = (29, 28, 29)  # Slack's text colour
MUTED: Colour = (97, 96, 97)
GRID: Colour = (221, 221, 221)
MAX_ALT_TEXT = 1000  # assumption: Slack documents alt_txt without a limit; a screen reader needs no more


@dataclass(frozen=True)
class Series:
    key: str
    label: str  # after the currency in the legend
    colour: Colour
    amount: Callable[[DayBar], int | None]


SERIES: tuple[Series, ...] = (
    Series("ready", "ready to sync (last reading of the day)", (29, 108, 214), lambda d: d.ready),
    Series("synced", "synced by the bot", (46, 160, 67), lambda d: d.synced),
)


@dataclass(frozen=True)
class Bar:
    series: str
    day: date
    amount: int
    box: Box


@dataclass(frozen=True)
class Panel:
    """One currency's part of the chart, in pixels of the whole image."""

    currency: str
    top: int
    slot: float  # pixels a day
    width: int  # of the whole image
    title: str
    legend: tuple[tuple[str, Colour, Box], ...]  # label, colour, its swatch
    bars: tuple[Bar, ...]
    scale: int  # the amount at the top of the plot (minor units)


def layout(pictures: Sequence[Picture]) -> tuple[Panel, ...]:
    """Where everything goes: one panel per picture, top to bottom."""
    return tuple(_panel(picture, index * PANEL_HEIGHT) for index, picture in enumerate(pictures))


def render_chart(pictures: Sequence[Picture]) -> bytes:
    """The chart as PNG bytes (at least one picture, at least one day)."""
    panels = layout(pictures)
    image = Image.new("RGB", (panels[0].width, PANEL_HEIGHT * len(panels)), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for panel, picture in zip(panels, pictures, strict=True):
        _draw_panel(draw, panel, picture)
    info = PngImagePlugin.PngInfo()
    info.add_text("Title", "Ramp: card transactions ready to sync versus synced by the bot, per day")
    info.add_text("Description", describe(pictures))
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def describe(pictures: Sequence[Picture]) -> str:
    """The chart's figures as text: `USD: Tue 01 ready 57.50, synced 0.00; …`."""
    parts = []
    for picture in pictures:
        days = "; ".join(
            f"{d.day:%a %d %b} ready "
            + (Money(d.ready, picture.currency).format() if d.ready is not None else "not read")
            + f", synced {Money(d.synced, picture.currency).format()}"
            for d in picture.days
        )
        parts.append(f"{picture.currency}: {days}.")
    text = " ".join(parts)
    return text if len(text) <= MAX_ALT_TEXT else text[: MAX_ALT_TEXT - 1] + "…"


def compact(minor: int, currency: str) -> str:
    """An amount in few characters for the scale: `45`, `4.6k`, `12k`, `1.2M` (major units)."""
    major = Decimal(minor).scaleb(-minor_units(currency))
    size = abs(major)
    if size >= 1_000_000:
        return f"{major / 1_000_000:.1f}M"
    if size >= 10_000:
        return f"{major / 1_000:.0f}k"
    if size >= 1_000:
        return f"{major / 1_000:.1f}k"
    return f"{major:.0f}"


# -- the pieces ------------------------------------------------------------------------------------


def _panel(picture: Picture, top: int) -> Panel:
    scale = _round_up(max([s.amount(d) or 0 for d in picture.days for s in SERIES] + [1]))
    days = len(picture.days)
    slot = min(MAX_SLOT, (MAX_WIDTH - PLOT_LEFT - MARGIN) / days)
    legend = []
    x = 16
    for series in SERIES:
        label = f"{picture.currency} {series.label}"
        legend.append((label, series.colour, (x, top + 34, x + 11, top + 45)))
        x += 18 + int(_font(12).getlength(label)) + 24
    return Panel(
        currency=picture.currency,
        top=top,
        slot=slot,
        width=max(MIN_WIDTH, round(PLOT_LEFT + slot * days + MARGIN)),
        title=(
            f"{picture.currency} card transactions: ready versus synced by the bot, "
            f"the {_days(picture)} I have seen"
        ),
        legend=tuple(legend),
        bars=tuple(_bars(picture, top, scale, slot)),
        scale=scale,
    )


def _round_up(amount: int) -> int:
    """The scale's top: the amount rounded up to a round figure whose half is round too
    (4,600.00 -> 5,000.00, its middle 2,500.00; 204,000.00 -> 300,000.00)."""
    power = 1
    while True:
        for step in (1, 2, 3, 4, 5, 6, 8, 10):
            if amount <= step * power:
                return step * power
        power *= 10


def _days(picture: Picture) -> str:
    return "day" if len(picture.days) == 1 else f"{len(picture.days)} days"


def _centre(slot: float, index: int) -> int:
    """The x of the middle of day `index`: its ready bar is to the left, its synced bar to the right."""
    return int(PLOT_LEFT + slot * index + slot / 2)


def _bars(picture: Picture, top: int, scale: int, slot: float) -> list[Bar]:
    width = max(2, min(MAX_BAR_WIDTH, int(slot * 0.36)))
    baseline = top + PLOT_TOP + PLOT_HEIGHT
    bars = []
    for index, day in enumerate(picture.days):
        centre = _centre(slot, index)
        for position, series in enumerate(SERIES):
            amount = series.amount(day)
            if not amount or amount < 0:
                continue  # nothing to draw: no reading, nothing synced
            height = max(1, round(amount / scale * PLOT_HEIGHT))
            left = centre - width - 1 if position == 0 else centre + 1
            box = (left, baseline - height, left + width - 1, baseline - 1)
            bars.append(Bar(series.key, day.day, amount, box))
    return bars


def _draw_panel(draw: ImageDraw.ImageDraw, panel: Panel, picture: Picture) -> None:
    draw.text((16, panel.top + 10), panel.title, fill=INK, font=_font(15))
    for label, colour, swatch in panel.legend:
        draw.rectangle(swatch, fill=colour)
        draw.text((swatch[2] + 7, swatch[1] - 2), label, fill=INK, font=_font(12))
    plot_top, baseline = panel.top + PLOT_TOP, panel.top + PLOT_TOP + PLOT_HEIGHT
    right = round(PLOT_LEFT + panel.slot * len(picture.days))
    for y, amount in ((plot_top, panel.scale), ((plot_top + baseline) // 2, panel.scale // 2)):
        draw.line((PLOT_LEFT, y, right, y), fill=GRID)
        _text_right(draw, PLOT_LEFT - 6, y - 7, compact(amount, panel.currency), _font(11))
    _text_right(draw, PLOT_LEFT - 6, baseline - 7, "0", _font(11))
    for bar in panel.bars:
        draw.rectangle(bar.box, fill=next(s.colour for s in SERIES if s.key == bar.series))
    draw.line((PLOT_LEFT, baseline, right, baseline), fill=MUTED)
    font = _font(11)
    for index, day in enumerate(picture.days):
        centre = _centre(panel.slot, index)
        if day.ready is None:  # no reading that day (syncs only): a dash where its ready bar would be
            draw.line((centre - 8, baseline - 4, centre - 3, baseline - 4), fill=MUTED, width=2)
        for line, text in enumerate((f"{day.day:%a}", f"{day.day:%d %b}")):
            draw.text(
                (centre - font.getlength(text) / 2, baseline + 5 + 13 * line), text, fill=MUTED, font=font
            )


def _text_right(
    draw: ImageDraw.ImageDraw, right: int, y: int, text: str, font: ImageFont.FreeTypeFont
) -> None:
    draw.text((right - font.getlength(text), y), text, fill=MUTED, font=font)


_FONTS: dict[int, ImageFont.FreeTypeFont] = {}


def _font(size: int) -> ImageFont.FreeTypeFont:
    """The font Pillow ships (Aileron, through FreeType, which Pillow's wheels include)."""
    if size not in _FONTS:
        font = ImageFont.load_default(size=size)
        assert isinstance(font, ImageFont.FreeTypeFont), "Pillow was built without FreeType"
        _FONTS[size] = font
    return _FONTS[size]
