"""What the edge counts in memory and writes now and then (rate-limit counts, script
sightings): ``flush()`` runs every ``flush_seconds`` in a task of its own, and once more when
the app stops, so nothing counted is left behind."""

from __future__ import annotations

import asyncio
import contextlib


class Flushing:
    flush_seconds: float
    task_name: str
    _task: asyncio.Task[None] | None = None

    async def flush(self) -> None:
        raise NotImplementedError

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_seconds)
            await self.flush()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        """Stop flushing now and then, and flush what is left."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.flush()
