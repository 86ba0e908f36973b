"""A private, throwaway PostgreSQL cluster that a fault test may restart at will.

The machine's shared server (the one the test database lives on) is never touched: this runs
`initdb` into a fresh directory owned by the `postgres` OS user, starts it on a free loopback
port with its socket in that directory, and deletes everything in `destroy()`. The app talks
to it only from subprocesses (`manage.py ...` with DATABASE_URL pointing there), so the test
process's own Django connection stays on the test database.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def find_pg_bin() -> Path | None:
    """The newest `/usr/lib/postgresql/<version>/bin` with initdb and pg_ctl, or PATH's."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


def unavailable_reason() -> str | None:
    """Why a private cluster cannot be made here, or None when it can."""
    if find_pg_bin() is None:
        return "needs PostgreSQL server binaries (initdb, pg_ctl: apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' OS user to run initdb as"
        if shutil.which("runuser") is None:
            return "running as root without runuser to drop to the postgres user"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PrivateCluster:
    bin_dir: Path
    root: Path  # owned by postgres: data/, the socket and the server log
    port: int
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls) -> PrivateCluster:
        reason = unavailable_reason()
        if reason:
            raise RuntimeError(reason)
        root = Path(tempfile.mkdtemp(prefix="rd-pg-", dir="/tmp"))
        cluster = cls(bin_dir=find_pg_bin(), root=root, port=_free_port())  # type: ignore[arg-type]
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(root, user.pw_uid, user.pw_gid)
        root.chmod(0o700)
        cluster._run(
            "initdb",
            "-D",
            str(cluster.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale",
            "C.UTF-8",
        )
        return cluster

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _argv(self, program: str, *args: str) -> list[str]:
        argv = [str(self.bin_dir / program), *args]
        return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv

    def _run(self, program: str, *args: str, timeout: float = 60) -> str:
        done = subprocess.run(
            self._argv(program, *args),
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({done.returncode}):\n"
                f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}\n{self.log_tail()}"
            )
        return done.stdout

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=50"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", action, *extra
        )

    def start(self) -> None:
        self._pg_ctl("start")

    def restart(self, mode: str = "fast") -> None:
        """Stop (terminating every client connection) and start again; returns once it answers."""
        self._pg_ctl("restart", "-m", mode)

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("stop", "-m", mode)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.3):
                return True
        except OSError:
            return False

    def log_tail(self, chars: int = 3000) -> str:
        with contextlib.suppress(OSError):
            return self.log.read_text(errors="replace")[-chars:]
        return ""

    def destroy(self) -> None:
        """Stop it if it runs (immediate: nothing here is worth a checkpoint) and delete it."""
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self._pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    # --- the app against this cluster, in subprocesses ------------------------------------

    def app_env(self, var_dir: Path) -> dict[str, str]:
        """Environment for `manage.py` against this cluster: no Redis (the filesystem broker and
        file cache live in `var_dir`), so nothing reaches the shared Redis or test database."""
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "revenue.settings",
            "DATABASE_URL": self.url,
            "REDIS_URL": "",
            "REVENUE_VAR_DIR": str(var_dir),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "PYTHONUNBUFFERED": "1",
            **self.env,
        }

    def manage_argv(self, *args: str) -> list[str]:
        return [sys.executable, str(BASE_DIR / "manage.py"), *args]

    def manage(self, *args: str, var_dir: Path, timeout: float = 180) -> str:
        """Run `manage.py <args>` to completion against this cluster; return stdout."""
        done = subprocess.run(
            self.manage_argv(*args),
            cwd=BASE_DIR,
            env=self.app_env(var_dir),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"manage.py {args[0]} failed ({done.returncode}):\n"
                f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        return done.stdout

    def popen_manage(self, *args: str, var_dir: Path, log: Path) -> subprocess.Popen[Any]:
        return subprocess.Popen(
            self.manage_argv(*args),
            cwd=BASE_DIR,
            env=self.app_env(var_dir),
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def query(self, sql: str, params: tuple[Any, ...] = (), *, retry_for: float = 10) -> list[Any]:
        """One query on a fresh psycopg connection (retried while the server is restarting)."""
        import psycopg

        deadline = time.monotonic() + retry_for
        while True:
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=2) as conn:
                    return conn.execute(sql, params).fetchall()
            except psycopg.OperationalError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)
