"""Task registry: each task registers itself from its own module with `@register_task`."""

from __future__ import annotations

from export.errors import ConfigError
from export.tasks.base import Task

TASKS: dict[str, type[Task]] = {}


def register_task(cls: type[Task]) -> type[Task]:
    TASKS[cls.name] = cls
    return cls


def get_task(name: str) -> Task:
    if name not in TASKS:
        raise ConfigError(f"unknown task '{name}': choose from {', '.join(TASKS)}")
    return TASKS[name]()


def parse_tasks(text: str) -> list[Task]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise ConfigError(f"--tasks is empty: choose from {', '.join(TASKS)}")
    return [get_task(n) for n in names]


from export.tasks import mlm, ner, news  # noqa: E402,F401  (registers the tasks)
