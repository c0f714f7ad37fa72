"""The review page's interactive plot: the signal over time, phases shaded, the prescription marked."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from vision import view
from vision.types import AnalysedSet, Phase, SignalKind

PHASE_FILL = {
    Phase.CONCENTRIC: "rgba(46,160,67,0.18)",
    Phase.HOLD: "rgba(230,170,20,0.22)",
    Phase.ECCENTRIC: "rgba(170,70,200,0.18)",
}
SIGNAL_TITLE = {
    SignalKind.ANGLE: "plantarflexion from rest (°)",
    SignalKind.HEEL_LIFT: "heel lift (shank lengths)",
}


def signal_figure(session: AnalysedSet) -> go.Figure:
    """The signal the reps were timed on. The angle is drawn from the athlete's own rest (0 = rest): its
    absolute value is only valid in a true side view (``vision.view``), movement from rest in any."""
    t = session.track.t_s
    p = session.protocol
    rest = view.rest_angle(t, session.angle, [s.rep for s in session.scores]) if p.signal == SignalKind.ANGLE else None
    offset = rest if rest is not None else 0.0
    signal = session.signal - offset
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=t, y=signal, mode="lines", name="smoothed", line={"color": "#1d2a25", "width": 2}))
    raw = session.angle_raw - offset if p.signal == SignalKind.ANGLE else None
    if raw is not None:
        fig.add_trace(
            go.Scatter(
                x=t, y=raw, mode="markers", name="per frame", marker={"size": 3, "color": "rgba(90,110,100,0.35)"}
            )
        )
    for s in session.scores:
        for phase, fill in PHASE_FILL.items():
            span = s.rep.interval(phase)
            if span.duration_s > 0:
                fig.add_vrect(x0=span.start_s, x1=span.end_s, fillcolor=fill, line_width=0, layer="below")
        # The prescription, laid from the rep's start: where each phase should have ended.
        edge = s.rep.start_s
        for phase in PHASE_FILL:
            target = p.target_for(phase)
            if target is None:
                continue
            edge += target
            fig.add_vline(x=edge, line={"color": "#b33", "dash": "dot", "width": 1})
    fig.add_trace(
        go.Scatter(x=[None], y=[None], mode="lines", name="target phase ends", line={"color": "#b33", "dash": "dot"})
    )
    finite = signal[np.isfinite(signal)]
    fig.update_layout(
        height=340,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title="time (s)",
        yaxis_title=SIGNAL_TITLE.get(p.signal, p.signal),
        legend={"orientation": "h", "y": 1.12},
        plot_bgcolor="white",
        hovermode="x unified",
    )
    if finite.size:
        pad = 0.1 * (finite.max() - finite.min() + 1e-6)
        fig.update_yaxes(range=[finite.min() - pad, finite.max() + pad])
    return fig
