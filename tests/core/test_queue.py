"""Services ask for background work by task name (apps.core.queue): every name they use must
be a registered task, or the work would never run."""

from __future__ import annotations

import ast
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from apps.core.queue import enqueue_on_commit, registered_task
from revenue.celery import app

APPS = Path(__file__).resolve().parents[2] / "apps"


def _task_names_in_source() -> set[str]:
    """String literals passed to enqueue_on_commit, and *_TASK = "..." constants."""
    names: set[str] = set()
    for path in APPS.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "enqueue_on_commit"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names.add(node.args[0].value)
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id.endswith("_TASK")
                and isinstance(node.value, ast.Constant)
            ):
                names.add(node.value.value)
    return names


def test_every_task_name_a_service_enqueues_is_registered() -> None:
    names = _task_names_in_source()
    assert {"routing.route_lead", "routing.settle_sla", "scoring.qualify_account"} <= names
    app.loader.import_default_modules()
    assert sorted(names - set(app.tasks)) == []


def test_an_unknown_task_name_is_refused_at_the_call(db) -> None:
    with pytest.raises(KeyError):
        registered_task("routing.no_such_task")
    with pytest.raises(KeyError):
        enqueue_on_commit("routing.no_such_task", 1)


def test_threads_asking_while_discovery_runs_wait_for_it(monkeypatch) -> None:
    """The first requests of a threaded server arrive together: a thread that asks for a task
    while another is importing the tasks modules waits for the imports instead of failing with
    NotRegistered (Celery imports them once; a second call returns at once)."""
    tasks = app.tasks
    task = registered_task("routing.route_lead")
    started: list[bool] = []

    def import_once_slowly() -> None:
        if started:
            return  # already imported, or being imported by another thread
        started.append(True)
        time.sleep(0.2)
        tasks[task.name] = task

    monkeypatch.setattr(app.loader, "import_default_modules", import_once_slowly)
    del tasks[task.name]
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            found = list(pool.map(lambda _: registered_task("routing.route_lead"), range(8)))
    finally:
        tasks[task.name] = task
    assert found == [task] * 8
