"""Task registry: each task registers itself from its own module with `@register_task`."""

from __future__ import annotations

from export.errors import ConfigError
from export.lists import parse_names
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
    return [get_task(n) for n in parse_names(text, "--tasks", tuple(TASKS))]


from export.tasks import mlm, ner, news  # noqa: E402,F401  (registers the tasks)
