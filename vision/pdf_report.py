"""An athlete's progress report as a PDF a clinic can hand over (ReportLab).

Contract: ``course_pdf(course, generated=None) -> bytes`` lays out one or two A4 pages: the athlete and
each leg's prescription, the next session with its reason, adherence, the band ladder over time, reps on
tempo and longest hold per session, left against right, the latest sessions' table and the therapist's
notes. Pure layout: the figures come from ``vision.records.course``; nothing is read from disk or the network
(fonts from Debian's packages, chosen per character by ``vision.pdf_fonts``, so a name in any script is drawn).
"""

from __future__ import annotations

import io
from datetime import date, datetime

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from vision.pdf_fonts import pdf_fonts
from vision.programme import ProgrammeRules, load_text
from vision.progression import Step, describe_step
from vision.records.course import Course, LegCourse, history_rows
from vision.types import Leg

LEG_COLOURS = {Leg.LEFT: colors.HexColor("#2f6fd0"), Leg.RIGHT: colors.HexColor("#e07b21")}
INK = colors.HexColor("#1f2937")
MUTED = colors.HexColor("#6b7280")
RULE = colors.HexColor("#d1d5db")
WIDTH = A4[0] - 36 * mm


def _styles() -> dict[str, ParagraphStyle]:
    base, body, bold = getSampleStyleSheet(), pdf_fonts().body, pdf_fonts().bold
    return {
        "title": ParagraphStyle(
            "title", parent=base["Title"], fontName=bold, fontSize=18, leading=22, alignment=0, textColor=INK
        ),  # fmt: skip
        "h2": ParagraphStyle(
            "h2", parent=base["Heading2"], fontName=bold, fontSize=12, leading=15, spaceBefore=8, textColor=INK
        ),  # fmt: skip
        "body": ParagraphStyle("body", parent=base["BodyText"], fontName=body, fontSize=9, leading=12, textColor=INK),
        "small": ParagraphStyle(
            "small", parent=base["BodyText"], fontName=body, fontSize=7.5, leading=9.5, textColor=MUTED
        ),  # fmt: skip
        "cell": ParagraphStyle(
            "cell", parent=base["BodyText"], fontName=pdf_fonts().narrow, fontSize=7.5, leading=9, textColor=INK
        ),  # fmt: skip
    }


def _esc(text: object) -> str:
    """Plain text (a name, a note, a reason) as Paragraph markup every script draws in (``vision.pdf_fonts``)."""
    return pdf_fonts().markup(text)


def _ladder_chart(course: Course) -> Drawing:
    """Band (and exercise) over time, one line per leg: the ladder the athlete climbs."""
    bands = list(course.rules.rungs)  # colours and the half steps between them
    steps = bands + list(course.rules.after_bands)
    drawing = Drawing(WIDTH, 62 * mm)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 28 * mm, 10 * mm, WIDTH - 48 * mm, 46 * mm
    data, legs = [], []
    for c in course.active_legs:
        points = []
        for s in c.sessions:
            level = (
                bands.index(s.band) if s.band in bands else (steps.index(s.protocol) if s.protocol in steps else None)
            )
            if level is not None:
                points.append((s.day.toordinal(), level))
        if points:
            data.append(points)
            legs.append(c.leg)
    if not data:
        drawing.add(
            String(
                WIDTH / 2, 30 * mm, "No sessions yet", textAnchor="middle", fillColor=MUTED, fontName=pdf_fonts().body
            )
        )
        return drawing
    days = [x for line in data for x, _ in line]
    plot.data = data
    for i, leg in enumerate(legs):
        plot.lines[i].strokeColor = LEG_COLOURS[leg]
        plot.lines[i].strokeWidth = 1.6
        plot.lines[i].symbol = makeMarker("FilledCircle", size=4, fillColor=LEG_COLOURS[leg])
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = -0.4, len(steps) - 0.6
    plot.yValueAxis.valueSteps = list(range(len(steps)))
    plot.yValueAxis.labelTextFormat = lambda v: steps[int(round(v))] if 0 <= round(v) < len(steps) else ""
    plot.yValueAxis.labels.fontSize = 7
    plot.yValueAxis.labels.fontName = pdf_fonts().body  # band names are the therapist's programme's words
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = min(days) - 1, max(days) + 1
    span = max(days) - min(days)
    ticks = sorted({min(days) + round(k * span / 4) for k in range(5)}) if span else [min(days)]
    plot.xValueAxis.valueSteps = ticks
    plot.xValueAxis.labelTextFormat = lambda v: date.fromordinal(int(v)).strftime("%d %b")
    plot.xValueAxis.labels.fontSize = 7
    drawing.add(plot)
    for i, leg in enumerate(legs):
        x = WIDTH - 18 * mm
        y = 52 * mm - i * 5 * mm
        drawing.add(String(x, y, f"— {leg.value}", fontSize=8, fillColor=LEG_COLOURS[leg], fontName=pdf_fonts().body))
    return drawing


def _bar_chart(course: Course, key: str, title: str) -> Drawing:
    """One bar per session (both legs, coloured by leg), for reps on tempo or longest hold."""
    rows = history_rows(course)[-12:]
    drawing = Drawing(WIDTH / 2 - 4 * mm, 48 * mm)
    drawing.add(String(4 * mm, 44 * mm, title, fontSize=8.5, fillColor=INK, fontName=pdf_fonts().bold))
    if not rows:
        return drawing
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 10 * mm, WIDTH / 2 - 20 * mm, 30 * mm
    values = [float(r[key] or 0) for r in rows]
    chart.data = [values]
    chart.categoryAxis.categoryNames = [f"{r['date'][5:]}\n{r['leg'][0].upper()}" for r in rows]
    chart.categoryAxis.labels.fontSize = 5.5
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 6.5
    chart.bars.strokeColor = None
    for i, r in enumerate(rows):
        chart.bars[(0, i)].fillColor = LEG_COLOURS[Leg(r["leg"])]
    drawing.add(chart)
    return drawing


def _leg_block(c: LegCourse, rules: ProgrammeRules, st: dict) -> list:
    p = c.prescription
    lines = [f"<b>{c.leg.value.capitalize()} leg</b>: "]
    if p is not None:
        now = _esc(describe_step(Step(p.protocol, p.band, p.load_kg), rules))
        lines.append(f"{now}, {p.sessions_per_week}× a week since {p.start_date:%d %b %Y}.")
    else:
        lines.append(f"no prescription yet; latest session {_esc(describe_step(c.step, rules))}.")
    out = [Paragraph("".join(lines), st["body"])]
    if c.advice is not None:
        step = c.advice.next
        where = _esc(describe_step(step, rules))
        confirm = " (therapist to confirm)" if c.advice.needs_confirmation else ""
        out.append(Paragraph(f"Next session: {where}{confirm}. <i>{_esc(c.advice.reason)}</i>.", st["body"]))
    if c.adherence is not None and c.adherence.weeks:
        a = c.adherence
        weeks = ", ".join(f"{w.label}: {w.sessions}/{w.target}" for w in a.weeks[-6:])
        out.append(
            Paragraph(
                f"Adherence: {a.share_met:.0%} of weeks on target; {a.streak_weeks}-week streak; longest gap "
                f"{a.longest_gap_weeks} weeks. Recent weeks: {weeks}.",
                st["body"],
            )
        )
    return out


def _table(data: list[list], widths: list[float], header_bg=colors.HexColor("#eef2f7")) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), pdf_fonts().narrow, 7.5),
                ("FONT", (0, 0), (-1, 0), pdf_fonts().narrow_bold, 7.5),
                ("BACKGROUND", (0, 0), (-1, 0), header_bg),
                ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _comparison(course: Course, st: dict) -> list:
    cmp = course.comparison
    if not (cmp.left.day and cmp.right.day):
        return []
    rows = [["", "Left", "Right", "Symmetry (weaker / stronger)"]]
    for key, label in (("reps_on_tempo", "Reps on tempo (best set)"), ("longest_hold_s", "Longest hold, s"),
                       ("range_deg", "Range of motion, °")):  # fmt: skip
        left, right, sym = getattr(cmp.left, key), getattr(cmp.right, key), cmp.symmetry_pct[key]
        rows.append([label, "-" if left is None else left, "-" if right is None else right,
                     "-" if sym is None else f"{sym:.0f} %"])  # fmt: skip
    story = [
        Paragraph("Left against right (latest session of each leg)", st["h2"]),
        _table(rows, [60 * mm, 25 * mm, 25 * mm, 50 * mm]),
    ]
    if not cmp.comparable:
        why = _esc(cmp.why_not)
        story.append(
            Paragraph(f"No symmetry index: the legs' latest sessions are not comparable ({why}).", st["small"])
        )
    return story


def _band_or_load(row: dict) -> str:
    """The band, or for heel raises the load (``load_text``)."""
    if row["band"]:
        return row["band"]
    return load_text(row["load_kg"]) if row["load_kg"] != "" else "-"


def _sessions_table(course: Course, st: dict) -> list:
    rows = history_rows(course)[-10:]
    if not rows:
        return [Paragraph("No sessions saved yet.", st["body"])]
    head = [
        "Date",
        "Leg",
        "Exercise",
        "Band",
        "Sets",
        "Reps",
        "On tempo",
        "Hold s",
        "Score",
        "Stalled",
        "Advice after it",
    ]
    data = [head]
    for r in rows:
        data.append(
            [
                r["date"], r["leg"], Paragraph(_esc(r["protocol"]), st["cell"]), _band_or_load(r), r["sets"],
                r["reps"], r["reps_on_tempo"], r["longest_hold_s"], "-" if r["mean_score"] is None else r["mean_score"],
                Paragraph(_esc(r["stalls"] or "-"), st["cell"]), Paragraph(_esc(r["advice"]), st["cell"]),
            ]
        )  # fmt: skip
    widths = [17 * mm, 9 * mm, 25 * mm, 11 * mm, 8 * mm, 9 * mm, 14 * mm, 11 * mm, 10 * mm, 14 * mm]
    widths.append(WIDTH - sum(widths))
    return [Paragraph("Latest sessions", st["h2"]), _table(data, widths)]


def _notes(course: Course, st: dict) -> list:
    notes = [
        (n.written_at, s.day, s.leg, n.author, n.text)
        for c in course.legs.values()
        for s in c.sessions
        for n in s.notes
    ]
    if not notes:
        return []
    notes.sort(key=lambda n: n[0])
    out = [Paragraph("Therapist's notes", st["h2"])]
    for _written, day, leg, author, text in notes[-8:]:
        out.append(
            Paragraph(f"<b>{day:%d %b}</b> ({leg.value} leg session) — {_esc(author)}: {_esc(text)}", st["body"])
        )
    return out


def course_pdf(course: Course, generated: datetime | None = None) -> bytes:
    st = _styles()
    generated = generated or datetime.now().astimezone()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"calfcheck progress report: {course.athlete.name}",
        author="calfcheck",
    )
    story: list = [
        Paragraph(f"Progress report — {_esc(course.athlete.name)}", st["title"]),
        Paragraph(
            f"Seated band calf programme · generated {generated:%d %b %Y, %H:%M} by calfcheck · "
            f"{sum(len(c.sessions) for c in course.legs.values())} sessions on record",
            st["small"],
        ),
        Spacer(1, 4 * mm),
    ]
    legs = course.active_legs
    if not legs:
        story.append(Paragraph("No prescription and no session yet.", st["body"]))
    for c in legs:
        story += _leg_block(c, course.rules, st) + [Spacer(1, 2 * mm)]
    story += [Paragraph("Band ladder", st["h2"]), _ladder_chart(course)]
    charts = Table(
        [
            [
                _bar_chart(course, "reps_on_tempo", "Reps on tempo per session"),
                _bar_chart(course, "longest_hold_s", "Longest hold per session, s"),
            ]
        ],  # fmt: skip
        colWidths=[WIDTH / 2, WIDTH / 2],
    )
    story += [KeepTogether([Paragraph("Sessions", st["h2"]), charts])]
    story += _comparison(course, st)
    story += _sessions_table(course, st)
    story += _notes(course, st)
    story += [
        Spacer(1, 4 * mm),
        Paragraph(
            "Reps on tempo: push, hold and return each within the prescription's tolerance. Advice follows the "
            "programme's rules (vision/programme.toml); a change of exercise version is for the therapist to confirm. "
            "Angles are measured from video in 2-D and are clinical only for a true side view.",
            st["small"],
        ),
    ]
    doc.build(story)
    return buf.getvalue()
