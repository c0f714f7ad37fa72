"""What the user is told after a save, worded once for every face (CLI, batch, the app's pages).

Contract: ``SaveOutcome`` is the set's place in the record (``SavedSet``), who it was saved for, and the
programme's advice for that leg's next session. ``message`` says where the set went, or, for a clip already
on the record, where it already is; ``advice_line(advice)`` is the advice in one line. Plain text: faces
show it as text, never as Markdown or markup (names are typed by people).
"""

from __future__ import annotations

from dataclasses import dataclass

from vision.progression import Advice
from vision.store.rows import AthleteInfo, SavedSet
from vision.types import Leg


def advice_line(advice: Advice) -> str:
    return f"{advice.headline} — {advice.reason}."


@dataclass(frozen=True)
class SaveOutcome:
    saved: SavedSet
    athlete: AthleteInfo
    leg: Leg
    advice: Advice | None  # for this leg's next session

    @property
    def message(self) -> str:
        s, name = self.saved, self.athlete.name
        if s.duplicate:
            return (
                f"Already on {name}'s record ({s.day:%d %b %Y}, session {s.session_id}, set {s.number}): "
                "not saved again."
            )
        return f"Saved for {name}: {s.day:%d %b %Y}, session {s.session_id}, set {s.number}."

    @property
    def next_session(self) -> str | None:
        if self.advice is None:
            return None
        return f"Next session for {self.athlete.name}, {self.leg.value} leg: {advice_line(self.advice)}"
