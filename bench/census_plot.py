#!/usr/bin/env python3
"""Plots a census run (the CSV of bench/census.sh) as an SVG, standard library only.

    census_plot.py CENSUS.CSV OUT.SVG [TITLE]

Two panels sharing the y axis (seconds since the census started, when each
image was stored): against the images scanned so far, and against the
layers analyzed so far (layers the layer cache did not answer). Each panel
has its least-squares line (dashed) and R^2: cumulative time that grows with
the layers analyzed is a straight line on the right and a staircase on the
left, where the few images that bring many new layers are the steps.
"""
import csv
import sys
from xml.sax.saxutils import escape

W, H = 900, 420
PANEL_W, PANEL_H = 360, 300
LEFT, TOP = 80, 60
GAP = 120


def nice_max(v):
    if v <= 0:
        return 1.0
    for scale in range(-2, 10):
        for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8):
            top = step * 10 ** scale
            if top >= v:
                return top
    return v


def ticks(vmax, n=5):
    return [vmax * k / n for k in range(n + 1)]


def fmt(v):
    return ("%d" % v) if abs(v - round(v)) < 1e-9 else ("%.1f" % v)


def fit(xs, ys):  # least squares y = a + b x, and R^2
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    b = sxy / sxx if sxx else 0.0
    a = my - b * mx
    ss = sum((y - my) ** 2 for y in ys)
    res = sum((y - a - b * x) ** 2 for x, y in zip(xs, ys))
    return a, b, (1 - res / ss) if ss else 1.0


def panel(x0, xs, ys, xmax, ymax, xlabel, color, unit):
    out = []
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>'
               % (x0, TOP, PANEL_W, PANEL_H))
    for t in ticks(xmax):
        x = x0 + PANEL_W * t / xmax
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#eee"/>'
                   % (x, TOP, x, TOP + PANEL_H))
        out.append('<text x="%.1f" y="%d" font-size="11" text-anchor="middle">%s</text>'
                   % (x, TOP + PANEL_H + 16, fmt(t)))
    for t in ticks(ymax):
        y = TOP + PANEL_H - PANEL_H * t / ymax
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#eee"/>'
                   % (x0, y, x0 + PANEL_W, y))
        out.append('<text x="%d" y="%.1f" font-size="11" text-anchor="end">%s</text>'
                   % (x0 - 6, y + 4, fmt(t)))
    # From the origin (nothing done at the start) through every image.
    points = ["%d,%d" % (x0, TOP + PANEL_H)]
    points += ["%.1f,%.1f" % (x0 + PANEL_W * x / xmax, TOP + PANEL_H - PANEL_H * y / ymax)
               for x, y in zip(xs, ys)]
    out.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>'
               % (" ".join(points), color))
    if len(xs) > 2:
        a, b, r2 = fit(xs, ys)
        sy = lambda y: TOP + PANEL_H - PANEL_H * min(max(y, 0), ymax) / ymax
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#444" '
                   'stroke-dasharray="5,4"/>' % (x0, sy(a), x0 + PANEL_W, sy(a + b * xmax)))
        out.append('<text x="%d" y="%d" font-size="12">fit %.2f s + %.3f s/%s, R\u00b2 %.3f</text>'
                   % (x0 + 8, TOP + 18, a, b, unit, r2))
    out.append('<text x="%d" y="%d" font-size="13" text-anchor="middle">%s</text>'
               % (x0 + PANEL_W // 2, TOP + PANEL_H + 36, escape(xlabel)))
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rows = list(csv.DictReader(open(sys.argv[1])))
    title = sys.argv[3] if len(sys.argv) > 3 else "customs census"
    images = [int(r["images"]) for r in rows]
    analyzed = [int(r["layers_analyzed"]) for r in rows]
    elapsed = [float(r["elapsed_s"]) for r in rows]
    ymax = nice_max(max(elapsed, default=1))
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif">' % (W, H),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="28" font-size="16" text-anchor="middle">%s</text>'
           % (W // 2, escape(title))]
    svg += panel(LEFT, images, elapsed, nice_max(max(images, default=1)), ymax,
                 "images scanned", "#1f77b4", "image")
    svg += panel(LEFT + PANEL_W + GAP, analyzed, elapsed, nice_max(max(analyzed, default=1)), ymax,
                 "layers analyzed (not answered by the cache)", "#d62728", "layer")
    for x0 in (LEFT, LEFT + PANEL_W + GAP):
        svg.append('<text x="%d" y="%d" font-size="13" text-anchor="middle" '
                   'transform="rotate(-90 %d %d)">seconds since start</text>'
                   % (x0 - 50, TOP + PANEL_H // 2, x0 - 50, TOP + PANEL_H // 2))
    svg.append("</svg>")
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
