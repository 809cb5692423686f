"""Task registry: each task registers itself from its own module with `@register_task`
(export.tasks.base); importing this package loads them all."""

from __future__ import annotations

from export.errors import ConfigError
from export.lists import parse_names
from export.tasks import mlm, ner, news  # noqa: F401  (registers the tasks)
from export.tasks.base import TASKS, Task, register_task


def get_task(name: str) -> Task:
    if name not in TASKS:
        raise ConfigError(f"unknown task '{name}': choose from {', '.join(TASKS)}")
    return TASKS[name]()


def task_for_architecture(architecture: str) -> Task | None:
    """The task whose head a Hugging Face architecture name carries, if any."""
    return next((cls() for cls in TASKS.values() if cls.has_head(architecture)), None)


def parse_tasks(text: str) -> list[Task]:
    return [get_task(n) for n in parse_names(text, "--tasks", tuple(TASKS))]


__all__ = ["TASKS", "get_task", "parse_tasks", "register_task", "task_for_architecture"]
