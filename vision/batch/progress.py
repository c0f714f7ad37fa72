"""The batch's progress bar: clips done of total, frames per second, time left. Silent with ``--quiet``."""

from __future__ import annotations

import time


class BatchProgress:
    def __init__(self, total: int, quiet: bool) -> None:
        self.frames, self.started, self.bar, self.task = 0, time.perf_counter(), None, None
        if not quiet:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn("[bold]scoring"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[fps]} frames/s"),
                TimeRemainingColumn(),
            )
            self.task = self.bar.add_task("clips", total=total, fps="-")
            self.bar.start()

    def done(self, result: dict) -> None:
        self.frames += result.get("frames", 0)
        if self.bar:
            fps = self.frames / max(time.perf_counter() - self.started, 1e-6)
            self.bar.update(self.task, advance=1, fps=f"{fps:.0f}")

    def close(self) -> None:
        if self.bar:
            self.bar.stop()
