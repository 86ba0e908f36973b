"""Mutation testing over the rule modules (issue 19), with mutmut.

Each group names the rule functions it mutates and the test files that cover them. mutmut
runs in its own work directory per group (var/mutation/<group>/, its own SQLite test
database), so groups can run side by side, and for each mutant it runs only the tests that
called the mutated function.

    .ci/mutation.py                     every group, then the score table
    .ci/mutation.py sla_clock scoring   some groups
    .ci/mutation.py --changed HEAD~1    the groups whose rule modules changed since a commit
    .ci/mutation.py --budget 600        stop starting groups after ten minutes
    .ci/mutation.py --report            the table from the last runs, without running

A surviving mutant fails the run unless `.ci/mutation_equivalent/<group>.toml` (a TOML table
of mutant name = reason) lists it with the reason it cannot change behaviour; a listed mutant
that is killed fails the run too (the list is stale). The README's table is this script's `--report` output.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "mutation"
EQUIVALENT = Path(__file__).resolve().parent / "mutation_equivalent"  # <group>.toml each
TARGET = 0.90
LINKED = ("apps", "revenue", "templates", "static", "tests", "manage.py")
KILLED = {1, 3}
STATUS = {0: "survived", 5: "no tests", 33: "no tests", 36: "timeout", None: "not checked"}


@dataclass(frozen=True)
class Group:
    title: str
    functions: dict[str, tuple[str, ...]]  # module file -> function names ("*" for all)
    tests: tuple[str, ...]

    def files(self) -> list[str]:
        return sorted(self.functions)

    def globs(self) -> list[str]:
        out = []
        for path, names in self.functions.items():
            module = path.removesuffix(".py").replace("/", ".")
            out += [f"{module}.x_{name}__mutmut_*" for name in names]
        return out


GROUPS: dict[str, Group] = {
    "sla_clock": Group(
        "Business hours and the SLA clock",
        {
            "apps/routing/business_hours.py": ("*",),
            "apps/routing/services.py": ("_start_clock", "sla_working_minutes", "settle_sla"),
        },
        (
            "tests/routing/test_business_hours.py",
            "tests/routing/test_calendar_edges.py",
            "tests/routing/test_sla_settlement.py",
            "tests/routing/test_services.py",
            "tests/goals/test_metrics.py",
        ),
    ),
    "routing": Group(
        "Routing: rule matching, capacity, round-robin",
        {
            "apps/routing/services.py": (
                "_csv",
                "rule_matches",
                "first_matching_rule",
                "_open_counts",
                "_can_take",
                "_choose_rep",
            ),
        },
        (
            "tests/routing/test_services.py",
            "tests/routing/test_routing_rules.py",
            "tests/meetings/test_routing_with_booking.py",
        ),
    ),
    "scoring": Group(
        "Scoring: fit, decay, bands, readiness, account rule",
        {
            "apps/scoring/services/scores.py": (
                "score_band",
                "infer_buying_role",
                "fit_score",
                "decayed",
                "touch_weight",
                "total_score",
                "account_meets_rule",
                "engagement_score",
                "engagement_scores",
                "rescore_lead",
                "roll_up_accounts",
            ),
            "apps/scoring/services/qualification.py": ("ready_reason",),
        },
        (
            "tests/scoring/test_scores.py",
            "tests/scoring/test_qualification.py",
            "tests/scoring/test_scoring_rules.py",
        ),
    ),
    "lead_rules": Group(
        "Disqualification, recycle and attempt rules",
        {
            "apps/feedback/services.py": (
                "_reengage_day",
                "check_reason_rules",
                "recycle_lead",
                "_wake",
            ),
            "apps/leads/services.py": (
                "may_work_lead",
                "settle_first_response",
                "check_attempt_time",
                "record_attempt",
            ),
        },
        (
            "tests/feedback/test_services.py",
            "tests/feedback/test_recycle.py",
            "tests/leads/test_services.py",
            "tests/leads/test_lead_rules.py",
        ),
    ),
    "metrics": Group(
        "Metrics: percentiles, attribution splits, pacing and forecast",
        {
            "apps/goals/metrics/base.py": (
                "quantize",
                "rounded",
                "percent",
                "divide",
                "median",
                "median_ranks",
                "p90_rank",
                "p90",
                "mean",
                "window",
                "_speed",
            ),
            "apps/goals/metrics/progress.py": ("*",),
            "apps/opportunities/attribution.py": ("touch_weights", "split_cents", "_w_roles"),
        },
        (
            "tests/goals/test_metrics.py",
            "tests/goals/test_metric_rules.py",
            "tests/goals/test_cohort_speeds.py",
            "tests/opportunities/test_attribution.py",
        ),
    ),
    "cohorts": Group(
        "Metrics: cohorts",
        {
            "apps/goals/metrics/base.py": (
                "known_by",
                "attempted_by",
                "became_ready_in",
                "cohort",
                "_segment_entries",
                "cohort_figures",
                "_wider_read",
                "_read_entries",
            )
        },
        (
            "tests/goals/test_metrics.py",
            "tests/goals/test_cohort_rules.py",
            "tests/goals/test_cohort_speeds.py",
        ),
    ),
    "idempotency": Group(
        "Idempotency",
        {"apps/intake/services/idempotency.py": ("*",)},
        ("tests/intake/test_services.py", "tests/intake/test_idempotency.py"),
    ),
    "capacity": Group(
        "Routing: capacity and the lead-flow verdict",
        {
            "apps/routing/capacity.py": (
                "_one_decimal",
                "_fmt",
                "_backlog_change",
                "_flow_sentence",
                "_capacity_sentence",
                "_hours_until_full",
                "lead_flow",
            ),
        },
        ("tests/routing/test_capacity.py", "tests/routing/test_capacity_rules.py"),
    ),
    "sweep": Group(
        "The SLA sweep: what it routes, settles and follows up",
        {
            "apps/routing/services.py": (
                "unrouted_lead_ids",
                "overdue_lead_ids",
                "breached_follow_up_ids",
                "_sweep_step",
            ),
        },
        (
            "tests/routing/test_services.py",
            "tests/routing/test_sweep_rules.py",
            "tests/routing/test_sla_settlement.py",
        ),
    ),
}


def equivalents() -> dict[str, str]:
    """Mutant name -> why it cannot change behaviour, from every group's file."""
    known: dict[str, str] = {}
    for path in sorted(EQUIVALENT.glob("*.toml")):
        known.update(tomllib.loads(path.read_text()))
    return known


def _pyproject(group: Group) -> str:
    """The repository's pyproject with this group's [tool.mutmut] section."""
    text = (ROOT / "pyproject.toml").read_text()
    head, _, _ = text.partition("[tool.mutmut]")
    tests = list(group.tests)
    missing = [t for t in tests if not (ROOT / t).exists()]
    if missing:  # a renamed test file would otherwise leave its rules untested, silently
        raise SystemExit(f"group tests not found: {', '.join(missing)}")
    lines = [
        "[tool.mutmut]",
        'source_paths = ["apps/"]',
        f"only_mutate = {json.dumps(group.files())}",
        f"also_copy = {json.dumps([p for p in LINKED if p not in ('apps', 'tests')])}",
        'pytest_add_cli_args = ["-p", "no:warnings", "-m", '
        '"not browser and not postgres and not redis"]',
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
        "use_git_change_detection = false",
        "timeout_multiplier = 5.0",
        "timeout_constant = 5.0",  # test setup (database fixtures) is not in the estimate
    ]
    return head.rstrip() + "\n\n" + "\n".join(lines) + "\n"


def run_group(name: str, *, jobs: int, keep: bool) -> float:
    group = GROUPS[name]
    work = WORK / name
    if not keep and (work / "mutants").exists():
        shutil.rmtree(work / "mutants")
    work.mkdir(parents=True, exist_ok=True)
    for entry in LINKED:
        link = work / entry
        if not link.exists():
            link.symlink_to(ROOT / entry)
    (work / "pyproject.toml").write_text(_pyproject(group))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PYTHONPATH"}}
    env["REVENUE_VAR_DIR"] = str(work / "var")
    mutmut = Path(sys.executable).parent / "mutmut"
    started = time.monotonic()
    with (work / "run.log").open("w") as log:
        code = subprocess.call(  # noqa: S603 - our own argv, no shell
            [str(mutmut), "run", "--max-children", str(jobs), *group.globs()],
            cwd=work,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    elapsed = time.monotonic() - started
    if code != 0:
        print(f"{name}: mutmut exited {code}; see {work / 'run.log'}")
    return elapsed


def results(name: str) -> dict[str, int | None]:
    """Mutant name -> exit code of its test run, for this group's functions."""
    group = GROUPS[name]
    out: dict[str, int | None] = {}
    globs = group.globs()
    for path in group.files():
        meta = WORK / name / "mutants" / (path + ".meta")
        if not meta.exists():
            continue
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        for mutant, code in codes.items():
            if any(fnmatch.fnmatchcase(mutant, g) for g in globs):
                out[mutant] = code
    return out


def module_rows(names: list[str]) -> tuple[list[tuple[str, str, int, int, int]], list[str]]:
    """(group title, module, mutants, killed, equivalent) rows and the problems found."""
    known = equivalents()
    rows, problems = [], []
    for name in names:
        by_module: dict[str, list[tuple[str, int | None]]] = {}
        for mutant, code in results(name).items():
            module = mutant.split(".x_")[0].split(".xǁ")[0]
            by_module.setdefault(module, []).append((mutant, code))
        if not by_module:
            problems.append(f"{name}: no results (run it first)")
        for glob in GROUPS[name].globs():
            if by_module and not any(
                fnmatch.fnmatchcase(m, glob) for ms in by_module.values() for m, _ in ms
            ):
                # mutmut leaves decorated functions alone (a durable service's
                # @transaction.atomic): such a rule needs a `with` block to be tested here
                problems.append(f"{glob}: no mutants (missing, or decorated)")
        for module, mutants in sorted(by_module.items()):
            killed = sum(1 for _, code in mutants if code in KILLED)
            equivalent = 0
            for mutant, code in mutants:
                if code in KILLED:
                    if mutant in known:
                        problems.append(f"{mutant}: listed as equivalent but killed (stale)")
                    continue
                if mutant in known:
                    equivalent += 1
                else:
                    problems.append(f"{mutant}: {STATUS.get(code, f'exit {code}')}")
            rows.append((GROUPS[name].title, module, len(mutants), killed, equivalent))
    return rows, problems


def markdown(rows: list[tuple[str, str, int, int, int]]) -> str:
    lines = [
        "| Rules | Module | Mutants | Killed | Equivalent | Score | Score without equivalents |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for title, module, total, killed, equivalent in rows:
        explained = killed / (total - equivalent) if total > equivalent else 1.0
        lines.append(
            f"| {title} | `{module}` | {total} | {killed} | {equivalent} "
            f"| {killed / total:.0%} | {explained:.0%} |"
        )
    return "\n".join(lines)


def changed_groups(since: str) -> list[str]:
    diff = subprocess.run(  # noqa: S603 - our own argv, no shell
        ["git", "diff", "--name-only", since, "--"],  # noqa: S607 - git from PATH
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if diff.returncode != 0:  # a shallow checkout has no REF: say so, then use the fallback
        print(f"cannot diff against {since}: {diff.stderr.strip()}")
        return []
    changed = set(diff.stdout.split())
    return [
        name for name, group in GROUPS.items() if changed & (set(group.files()) | set(group.tests))
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("groups", nargs="*", metavar="group", help=", ".join(GROUPS))
    parser.add_argument("--changed", metavar="REF", help="only groups changed since REF")
    parser.add_argument("--fallback", action="append", default=[], metavar="group")
    parser.add_argument("--budget", type=float, help="seconds after which no group starts")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--keep", action="store_true", help="reuse the last run's mutants")
    parser.add_argument("--report", action="store_true", help="print the table, run nothing")
    args = parser.parse_args()

    if args.budget is not None and args.budget <= 0:
        parser.error("--budget is a number of seconds above 0")
    unknown = set(args.groups) - set(GROUPS)
    if unknown:
        parser.error(f"unknown group(s) {', '.join(sorted(unknown))}; known: {', '.join(GROUPS)}")
    names = list(args.groups) or list(GROUPS)
    if args.changed:
        names = [n for n in changed_groups(args.changed) if n in names] or args.fallback
        print("groups:", ", ".join(names) or "none changed")
    ran = []
    if not args.report:
        started = time.monotonic()
        for name in names:
            if args.budget and time.monotonic() - started > args.budget:
                print(f"{name}: not started, the {args.budget:.0f} s budget is spent")
                continue
            seconds = run_group(name, jobs=args.jobs, keep=args.keep)
            print(f"{name}: {seconds:.0f} s")
            ran.append(name)
    rows, problems = module_rows(names if args.report else ran)
    print(markdown(rows))
    failing = [r for r in rows if r[3] / r[2] < TARGET]  # killed of all mutants
    for problem in problems:
        print("survived or stale:", problem)
    if failing:
        print(f"below the {TARGET:.0%} target:", ", ".join(r[1] for r in failing))
    return 1 if problems or failing else 0


if __name__ == "__main__":
    sys.exit(main())
