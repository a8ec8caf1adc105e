"""The daily summary's chart (bot/chart.py), read back from its PNG pixels: bars in proportion,
one colour per series, the currency in each panel's legend, only the days given, same bytes twice."""

from __future__ import annotations

import io
from datetime import date, timedelta

from PIL import Image

from bot.chart import (
    BACKGROUND,
    MAX_WIDTH,
    MIN_WIDTH,
    PANEL_HEIGHT,
    SERIES,
    compact,
    describe,
    layout,
    render_chart,
)
from bot.services.summaries import DayBar, Picture

READY, SYNCED = (s.colour for s in SERIES)
MONDAY = date(2026, 11, 30)


def week(ready: list[int | None], synced: list[int]) -> tuple[DayBar, ...]:
    return tuple(
        DayBar(MONDAY + timedelta(days=n), r, s) for n, (r, s) in enumerate(zip(ready, synced, strict=True))
    )


def decoded(pictures: tuple[Picture, ...]) -> Image.Image:
    image = Image.open(io.BytesIO(render_chart(pictures)))
    image.load()
    return image.convert("RGB")


def run_heights(image: Image.Image, colour: tuple[int, int, int], top: int) -> list[int]:
    """Per bar of `colour` in the panel starting at `top`, left to right: its height in pixels
    (read on the bar's middle column), found by scanning the plot's bottom row."""
    baseline = top + 56 + 120 - 1
    heights, x = [], 0
    while x < image.width:
        if image.getpixel((x, baseline)) == colour:
            start = x
            while x < image.width and image.getpixel((x, baseline)) == colour:
                x += 1
            middle = (start + x - 1) // 2
            y = baseline
            while y > top and image.getpixel((middle, y)) == colour:
                y -= 1
            heights.append(baseline - y)
        x += 1
    return heights


def test_bar_heights_are_in_proportion_to_the_amounts_within_a_currency():
    picture = Picture("USD", week([400_000, 100_000, 200_000], [0, 300_000, 50_000]))
    image = decoded((picture,))
    # The scale's top is 4,000.00 (already a round figure) over 120 pixels.
    assert run_heights(image, READY, 0) == [120, 30, 60]
    assert run_heights(image, SYNCED, 0) == [90, 15]  # nothing synced on Monday: no bar
    (panel,) = layout((Picture("USD", week([410_000], [0])),))
    assert panel.scale == 500_000  # 4,100.00 rounds up to 5,000.00, whose half is round too


def test_each_series_has_one_colour_in_every_panel_and_nothing_else_is_coloured():
    pictures = (
        Picture("USD", week([400_000, None], [0, 300_000])),
        Picture("JPY", week([5_000, 2_000], [1_000, 0])),
    )
    image = decoded(pictures)
    assert image.size == (MIN_WIDTH, 2 * PANEL_HEIGHT)  # two days take little room
    bars = [
        (len(run_heights(image, READY, top)), len(run_heights(image, SYNCED, top)))
        for top in (0, PANEL_HEIGHT)
    ]
    assert bars == [(1, 1), (2, 1)]  # USD: no reading on Tuesday, nothing synced Monday
    saturated = {
        pixel
        for pixel in image.get_flattened_data()
        if max(pixel) - min(pixel) > 60  # coloured, not the greys of text, grid and scale
    }
    assert saturated <= {READY, SYNCED} and {READY, SYNCED} <= saturated


def test_each_panel_has_a_legend_naming_its_currency_with_a_swatch_per_series():
    def chart(currency: str) -> Image.Image:
        return decoded((Picture(currency, week([100_000], [50_000])),))

    usd, eur = chart("USD"), chart("EUR")
    (panel,) = layout((Picture("USD", week([100_000], [50_000])),))
    assert [label for label, _, _ in panel.legend] == [
        "USD ready to sync (last reading of the day)",
        "USD synced by the bot",
    ]
    for (_, colour, swatch), series in zip(panel.legend, SERIES, strict=True):
        assert colour == series.colour
        assert usd.getpixel((swatch[0] + 5, swatch[1] + 5)) == colour
    # The two charts differ only where the currency is written: the title and the legend, above the plot.
    differing = [
        (x, y)
        for y in range(PANEL_HEIGHT)
        for x in range(usd.width)
        if usd.getpixel((x, y)) != eur.getpixel((x, y))
    ]
    assert differing and max(y for _, y in differing) < 50
    assert any(29 <= y <= 50 for _, y in differing)  # the legend row, not the title only


def test_only_the_days_given_are_drawn_and_a_day_without_a_reading_has_no_ready_bar():
    picture = Picture("EUR", week([None, 80_000], [40_000, 0]))
    (panel,) = layout((picture,))
    assert [(bar.series, bar.day.isoformat()) for bar in panel.bars] == [
        ("synced", "2026-11-30"),
        ("ready", "2026-12-01"),
    ]
    image = decoded((picture,))
    assert run_heights(image, READY, 0) == [120] and run_heights(image, SYNCED, 0) == [60]
    assert describe((picture,)) == (
        "EUR: Mon 30 Nov ready not read, synced EUR 400.00; Tue 01 Dec ready EUR 800.00, synced EUR 0.00."
    )


def test_the_same_pictures_give_the_same_png_bytes_with_the_figures_as_its_description():
    pictures = (Picture("USD", week([4550, 0, 120_000], [0, 4550, 0])),)
    first, second = render_chart(pictures), render_chart(pictures)
    assert first == second and first.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(first))
    assert image.format == "PNG" and image.mode == "RGB"
    assert image.info["Description"] == describe(pictures)
    assert image.getpixel((image.width - 1, PANEL_HEIGHT - 1)) == BACKGROUND


def test_a_fortnight_takes_the_full_width_and_a_few_days_keep_their_bars_close():
    fortnight = Picture("USD", tuple(DayBar(MONDAY + timedelta(days=n), 100 * n, 0) for n in range(14)))
    assert decoded((fortnight,)).width == MAX_WIDTH
    (few,) = layout((Picture("USD", week([100, 200, 300], [0, 0, 0])),))
    lefts = [bar.box[0] for bar in few.bars]
    assert lefts[1] - lefts[0] == lefts[2] - lefts[1] == 90  # a day's slot, not a third of the width


def test_amounts_on_the_scale_are_short():
    assert [compact(n, "USD") for n in (4550, 460_000, 1_260_000, 320_000_000, -99_900)] == [
        "46",
        "4.6k",
        "13k",
        "3.2M",
        "-999",
    ]
    assert compact(5000, "JPY") == "5.0k"
