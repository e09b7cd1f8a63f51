"""Chart geometry for the HTML pages: axes with tick labels, scaled points, as plain data.

The templates (``templates/charts.html``) draw it as inline SVG; nothing here writes markup.
"""

import math

PALETTE = ("#2f6fd0", "#d1623b", "#2e9d5b", "#8a63d2", "#b58a00", "#c2417f", "#2a9bb0", "#6b7280")


def nice_ticks(low, high, count=5):
    """Round tick values covering [low, high]: about ``count`` of them, step 1, 2 or 5 x 10^n."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high <= low:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step + 1e-9)
    count = math.ceil(high / step - 1e-9) - first + 1
    return [float(f"{(first + i) * step:.12g}") for i in range(max(count, 2))]


def tick_label(value, step):
    """A tick value with as many decimals as its step needs (0.25 -> '0.25', 200 -> '200')."""
    if not step > 0:
        return f"{value:.3g}"
    if step >= 1 and float(value).is_integer():
        return f"{value:,.0f}"
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if abs(step * 10 ** decimals - round(step * 10 ** decimals)) > 1e-6:
        decimals += 1  # a step such as 0.25
    return f"{value:,.{decimals}f}" if decimals <= 6 else f"{value:.2g}"


def line_chart(series, *, x_label, y_label, y_range=None, x_values=None, marker=None,
               width=480, height=270, integer_x=False, intervals=None):
    """Geometry of a line chart.

    Parameters
    ----------
    series : list of (name, [(x, y), ...])
        Curves drawn on one shared y scale.
    y_range : (low, high), optional
        The y axis' extent (e.g. (0, 1) for scores in that range); by default the data's,
        widened to round ticks.
    x_values : list, optional
        Ticks on the x axis (e.g. every k); by default round ticks.
    marker : (x, text), optional
        A dashed vertical line (e.g. the recommended k).
    intervals : dict of name -> [(x, low, high), ...], optional
        Error bars drawn on the series of that name (e.g. a bootstrap interval).
    """
    left, right, top, bottom = 66, 14, 28, 50
    xs = [x for _, pts in series for x, _ in pts] or [0, 1]
    ys = [y for _, pts in series for _, y in pts if y is not None and math.isfinite(y)] or [0, 1]
    if y_range is None:
        y_ticks = nice_ticks(min(ys), max(ys))
    else:
        y_ticks = nice_ticks(*y_range)
    y_low, y_high = y_ticks[0], y_ticks[-1]
    if x_values is None:
        x_ticks = nice_ticks(min(xs), max(xs), 6)
        if integer_x:
            x_ticks = [t for t in x_ticks if float(t).is_integer() and t >= min(xs)] or [min(xs)]
    else:
        x_ticks = list(x_values)
    x_low, x_high = min(min(xs), x_ticks[0]), max(max(xs), x_ticks[-1])
    plot_w, plot_h = width - left - right, height - top - bottom

    inset = 12  # points clear of the axes

    def px(x):
        return left + inset + (x - x_low) / ((x_high - x_low) or 1) * (plot_w - 2 * inset)

    def py(y):
        return top + (1 - (y - y_low) / ((y_high - y_low) or 1)) * plot_h

    y_step = (y_ticks[1] - y_ticks[0]) if len(y_ticks) > 1 else 1
    x_step = (x_ticks[1] - x_ticks[0]) if len(x_ticks) > 1 else 1
    drawn = []
    for i, (name, pts) in enumerate(series):
        pts = [(x, y) for x, y in pts if y is not None and math.isfinite(y)]
        drawn.append({
            "name": name, "color": PALETTE[i % len(PALETTE)],
            "points": " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts),
            "dots": [{"x": round(px(x), 1), "y": round(py(y), 1), "title": f"{name} at {x:g}: {y:.4g}"}
                     for x, y in pts] if len(pts) <= 40 else [],
            "whiskers": [{"x": round(px(x), 1), "y1": round(py(low), 1), "y2": round(py(high), 1),
                          "title": f"{name} at {x:g}: {low:.3g} to {high:.3g}"}
                         for x, low, high in (intervals or {}).get(name, ())
                         if math.isfinite(low) and math.isfinite(high)],
        })
    return {
        "width": width, "height": height, "left": left, "top": top,
        "right_x": width - right, "bottom_y": height - bottom,
        "x_ticks": [{"x": round(px(t), 1), "label": tick_label(t, x_step)} for t in x_ticks],
        "y_ticks": [{"y": round(py(t), 1), "label": tick_label(t, y_step)} for t in y_ticks],
        "x_label": x_label, "y_label": y_label, "series": drawn,
        "marker": None if marker is None else {"x": round(px(marker[0]), 1), "label": marker[1]},
        "label": f"{y_label} by {x_label}",
    }
