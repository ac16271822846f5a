"""``clir-studio jobs list|show|logs|cancel|resume``: the background job queue."""

from __future__ import annotations

import argparse
import sys


def register(commands: argparse._SubParsersAction) -> None:
    jobs = commands.add_parser("jobs", help="list, inspect, cancel or resume background jobs",
                               description="The background job queue (training, evaluation, sweeps).")
    actions = jobs.add_subparsers(dest="action", required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="list the newest jobs")
    listing.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=list_jobs)

    show = actions.add_parser("show", help="show one job (state, progress, payload, result)")
    show.add_argument("job_id", type=int, metavar="ID")
    show.set_defaults(handler=show_job)

    logs = actions.add_parser("logs", help="print a job's log")
    logs.add_argument("job_id", type=int, metavar="ID")
    logs.add_argument("--lines", type=int, default=200, help="last N lines (default 200)")
    logs.add_argument("--follow", "-f", action="store_true", help="keep printing until the job ends")
    logs.set_defaults(handler=job_logs)

    cancel = actions.add_parser("cancel", help="cancel a queued or running job")
    cancel.add_argument("job_id", type=int, metavar="ID")
    cancel.set_defaults(handler=cancel_job)

    resume = actions.add_parser("resume", help="resume a failed, cancelled or interrupted job from its checkpoint")
    resume.add_argument("job_id", type=int, metavar="ID")
    resume.add_argument("--wait", action="store_true", help="wait and show progress")
    resume.set_defaults(handler=resume_job)


def list_jobs(args: argparse.Namespace) -> int:
    from studio.cli.output import print_json, print_table
    from studio.jobs.views import COLUMNS, job_rows

    rows = job_rows(args.limit)
    if args.json:
        print_json(rows)
    else:
        print_table(COLUMNS, [[row[c] for c in COLUMNS] for row in rows])
    return 0


def show_job(args: argparse.Namespace) -> int:
    from studio.cli.output import print_json
    from studio.jobs.views import job_details

    print_json(job_details(args.job_id))
    return 0


def job_logs(args: argparse.Namespace) -> int:
    from studio.jobs.runner import get_job
    from studio.jobs.views import follow_log, log_tail

    get_job(args.job_id)
    if not args.follow:
        print(log_tail(args.job_id, args.lines))
        return 0
    for chunk in follow_log(args.job_id):
        sys.stdout.write(chunk)
        sys.stdout.flush()
    return 0


def cancel_job(args: argparse.Namespace) -> int:
    from studio.jobs.runner import cancel

    job = cancel(args.job_id)
    print(f"job {job.id} {job.state}")
    return 0


def resume_job(args: argparse.Namespace) -> int:
    from studio.jobs.runner import resume

    job = resume(args.job_id)
    print(f"job {job.id} {job.state}")
    if args.wait:
        from studio.cli.train_cmd import watch

        return watch(job.id)
    return 0
