"""``clir-studio study``: run the language-composition study in one command, follow it, retry it, report it."""

from __future__ import annotations

import argparse
import sys

OVERRIDES = (  # flag, StudyConfig field, type, help
    ("--name", "name", str, "study name (default: study-<job id>); names its models, mixes and report folder"),
    ("--split", "split", str, "held-out split every model is evaluated on (default: test)"),
    ("--batch-size", "batch_size", int, "pairs per training step"),
    ("--max-seq-length", "max_seq_length", int, "tokens per text in training"),
    ("--learning-rate", "learning_rate", float, "peak learning rate"),
    ("--epochs", "epochs", float, "passes over each composition's pairs"),
    ("--eval-limit", "eval_limit", int, "held-out queries evaluated (0: all)"),
    ("--eval-max-seq-length", "eval_max_seq_length", int, "tokens per text when evaluating (every model alike)"),
    ("--sweep-steps", "sweep_steps", int, "merge weights from 0 to 1 inclusive"),
    ("--dev-limit", "dev_limit", int, "dev records evaluated during training (0: none)"),
)


def register(commands: argparse._SubParsersAction) -> None:
    study = commands.add_parser(
        "study", help="the study in one command: four compositions, evaluation, merge sweep, report",
        description="Train one model per language composition (mono-ko, mono-en, cross-only, all-four) from the "
                    "same base, data, budget and seed; evaluate the base and each model in the four directions; "
                    "sweep a linear merge from the monolingual-trained to the cross-lingual-trained models; write "
                    "an HTML + Markdown report under <data home>/reports/<study>/.")
    actions = study.add_subparsers(dest="action", required=True, metavar="ACTION")

    run = actions.add_parser("run", help="queue a study and (by default) follow it to its report")
    run.add_argument("--dataset", required=True, help="registered parallel dataset, split into train/dev/test")
    run.add_argument("--base", required=True, help="registered model every composition starts from")
    run.add_argument("--budget", type=int, help="training pairs per composition, the same for all four "
                                               "(default: quick 1000, full 4000)")
    run.add_argument("--seed", type=int, default=0, help="seed of the mixes and training (default: %(default)s)")
    run.add_argument("--setting", choices=["full", "quick"], default="quick",
                     help="quick: ~30 min on a 2-core CPU with the bundled model; full: GPU-sized (default: %(default)s)")
    run.add_argument("--belebele-dir", help="local Belebele folder: also evaluate on Belebele "
                                            "(default: STUDIO_BELEBELE_DIR when set)")
    for flag, name, kind, text in OVERRIDES:
        run.add_argument(flag, dest=name, type=kind, help=text if "default:" in text else f"{text} (default: the setting's)")
    run.add_argument("--no-wait", action="store_true", help="queue it and return (follow with `study status`)")
    run.set_defaults(handler=run_study)

    status = actions.add_parser("status", help="a study's stages and progress")
    status.add_argument("job_id", type=int, metavar="JOB_ID")
    status.set_defaults(handler=run_status)

    listing = actions.add_parser("list", help="study jobs, newest first")
    listing.set_defaults(handler=run_list)

    report = actions.add_parser("report", help="(re)write a study's report from its stored results; print the paths")
    report.add_argument("job_id", type=int, metavar="JOB_ID")
    report.set_defaults(handler=run_report)

    retry = actions.add_parser("retry", help="requeue a failed or interrupted study; finished stages are skipped")
    retry.add_argument("job_id", type=int, metavar="JOB_ID")
    retry.add_argument("--no-wait", action="store_true", help="requeue it and return")
    retry.set_defaults(handler=run_retry)


def _follow(job_id: int) -> int:
    """Keep the queue moving and show a progress bar until the study ends; print its report or error."""
    from tqdm import tqdm

    from studio.jobs.runner import wait_for
    from studio.study.status import study_status

    bar = tqdm(total=1, desc=f"study job {job_id}", unit="", file=sys.stderr, leave=False,
               bar_format="{l_bar}{bar}| {elapsed}<{remaining} {postfix}")

    def update(job) -> None:
        if job.total and bar.total != job.total:
            bar.total = job.total
        bar.n = min(job.step, bar.total)
        bar.set_postfix_str(job.message if job.state == "running" else job.state, refresh=False)
        bar.refresh()

    try:
        final = wait_for(job_id, on_update=update, poll=2.0)
    except KeyboardInterrupt:
        bar.close()
        print(f"stopped following; the study goes on in the background: clir-studio study status {job_id}",
              file=sys.stderr)
        return 130
    bar.close()
    status = study_status(job_id)
    if final.state != "succeeded":
        print(status.headline(), file=sys.stderr)
        print(f"retry it (finished stages are skipped): clir-studio study retry {job_id}", file=sys.stderr)
        return 1
    _print_report(job_id, status.report)
    return 0


def _print_report(job_id: int, paths: dict) -> None:
    import json

    from studio.context import get_studio

    home = get_studio().paths.home
    print(f"study job {job_id} finished")
    for kind in ("html", "markdown", "json"):
        if paths.get(kind):
            print(f"{kind:>8}: {home / paths[kind]}")
    data_file = home / paths.get("json", "")
    if paths.get("json") and data_file.is_file():
        for benchmark, section in json.loads(data_file.read_text(encoding="utf-8"))["results"].items():
            findings = section.get("findings")
            if findings:
                print(f"\nfindings ({benchmark}):")
                for sentence in findings["sentences"]:
                    print("  - " + sentence.replace("**", ""))
                print("  " + findings["verdict_sentence"].replace("**", ""))


def run_study(args: argparse.Namespace) -> int:
    from studio.study.preset import StudyConfig
    from studio.study.runner import submit_study

    values = {name: getattr(args, name) for _, name, _, _ in OVERRIDES}
    config = StudyConfig.for_setting(args.setting, dataset=args.dataset, base_model=args.base, budget=args.budget,
                                     seed=args.seed, belebele_dir=args.belebele_dir, **values)
    job = submit_study(config)
    print(f"queued study job {job.id}: {job.title}")
    if args.no_wait:
        print(f"follow it with `clir-studio study status {job.id}`")
        return 0
    return _follow(job.id)


def run_status(args: argparse.Namespace) -> int:
    from studio.cli.output import print_table
    from studio.study.status import format_seconds, study_status

    status = study_status(args.job_id)
    print(status.headline())
    print_table(["#", "stage", "state", "detail", "time"],
                [[i, s.label, s.state, s.detail, "" if s.seconds is None else format_seconds(s.seconds)]
                 for i, s in enumerate(status.stages, start=1)])
    if status.report:
        print(f"report: {status.report.get('html')}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from studio.cli.output import print_table
    from studio.study.runner import list_studies

    rows = [[job.id, (job.result or {}).get("study") or f"study-{job.id}", job.state, f"{job.fraction:.0%}",
             job.created_at.strftime("%Y-%m-%d %H:%M"), job.title] for job in list_studies()]
    if not rows:
        print("no studies yet; start one with `clir-studio study run --dataset D --base M --budget N`")
        return 0
    print_table(["job", "study", "state", "progress", "created", "title"], rows)
    return 0


def run_report(args: argparse.Namespace) -> int:
    from studio.study.report import report_for_job

    _print_report(args.job_id, report_for_job(args.job_id))
    return 0


def run_retry(args: argparse.Namespace) -> int:
    from studio.study.runner import retry_study

    job = retry_study(args.job_id)
    print(f"requeued study job {job.id} (attempt {job.attempts + 1}); finished stages are skipped")
    if args.no_wait:
        return 0
    return _follow(job.id)
