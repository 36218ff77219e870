"""The `safeguard` command line."""

from __future__ import annotations

import errno
import importlib
import os
import signal
import sys
import threading

import click

from compliance import __version__
from compliance.domain.exit_policy import EXIT_CODES_HELP, EXIT_INTERNAL, EXIT_INVALID


EXIT_SIGINT, EXIT_SIGPIPE, EXIT_SIGTERM = 130, 141, 143  # 128 + the signal, as shells report it
# OSErrors about a path (too long, missing, not allowed, a file where a folder must be, a full or
# read-only disk): the user's to fix wherever they are met.
_USER_ERRNOS = frozenset({errno.ENAMETOOLONG, errno.ENOENT, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EISDIR,
                          errno.ELOOP, errno.EEXIST, errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.ENXIO})


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so outputs are cleaned up as for Ctrl-C."""


_MAIN_PID = 0
_ENDING = False  # set when a signal ends the run


def _terminate(signum, frame):  # noqa: ARG001 - the signal module's signature
    global _ENDING
    if os.getpid() != _MAIN_PID:
        # A screening worker forked before its initializer set its own handlers: a signal sent to the
        # process group must end it as SIG_DFL would, not raise inside multiprocessing's start-up
        # (which printed a traceback after the parent's one line).
        os._exit(EXIT_SIGTERM if signum == signal.SIGTERM else EXIT_SIGINT)
    _ENDING = True
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _thread_hook(args) -> None:
    """Once a signal ends the run, a pool's helper thread complaining about workers that died with it
    (Python 3.11's process pool raises InvalidStateError there) is noise after the one line we print."""
    if not _ENDING:
        _default_thread_hook(args)


_default_thread_hook = threading.excepthook


def _quiet_stdout() -> None:
    """The reader went away (`| head`): send what is left nowhere, so exit prints nothing either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


# Each subcommand: its module, its name there, and the short help `--help` lists for it (a test checks
# these against the commands). A command's module is imported only when that command runs, so
# `safeguard --help` or `safeguard rules list` does not pay for assessing, screening or diffing.
COMMANDS = {
    "area": ("compliance.cli.area", "area", "Assess LOCAL_AUTHORITY's area from the returns under PATHS: the area "
             "rules' findings, each organisation's share of them (the accountability matrix), providers the ICB "
             "lists that did not return, and lines of enquiry."),
    "assess": ("compliance.cli.assess", "assess", "Assess one organisation's self-assessment FILE (a workbook made by safeguard template, YAML or JSON)."),
    "diff": ("compliance.cli.diff", "diff", "Evaluate the same INPUTS (files or folders; default: the bundled example "
             "returns, wherever this is run) under two versions of the rules and list every finding and rule that "
             "changed: outcome and severity changes first, wording-only changes summarised apart."),
    "init": ("compliance.cli.init", "init", "Write a starter self-assessment: every section the rules for the type "
             "read, each field explained, every value left unreported (assessing it unchanged gives insufficient evidence)."),
    "fixtures": ("compliance.cli.screen", "fixtures_group", "Fictional self-assessments for demos, tests and benchmarks."),
    "history": ("compliance.cli.history", "history_group", "Recorded assessments: trends, comparisons between "
                "periods, and the store itself."),
    "migrate": ("compliance.cli.assess", "migrate", "Write the version 2 form of a self-assessment FILE: neutral count "
                "names, each with the window its version 1 name implied."),
    "records": ("compliance.cli.records", "records_group", "National record extracts: every organisation's counts "
                "in one run, on DuckDB or Spark."),
    "rules": ("compliance.cli.rules", "rules_group", "List, document, test and lint rule files."),
    "schema": ("compliance.cli.assess", "schema", "Print the JSON Schema of a format, generated from its pydantic model."),
    "screen": ("compliance.cli.screen", "screen", "Assess every return under PATHS (files, folders, globs) and rank the "
               "organisations by risk."),
    "snapshot": ("compliance.cli.snapshot", "snapshot_group", "Compare or rewrite the expected findings of the fixture "
                 "organisations."),
    "template": ("compliance.cli.template", "template", "Write an Excel workbook to fill in and assess with "
                 "`safeguard assess FILE.xlsx`."),
}


class _Commands(dict):
    """The subcommands by name, each imported the first time it is looked up."""

    def __missing__(self, name: str) -> click.Command:
        if name not in COMMANDS:
            raise KeyError(name)
        module, attr, _ = COMMANDS[name]
        command = self[name] = getattr(importlib.import_module(module), attr)
        return command

    def get(self, name: str, default=None):
        try:
            return self[name]
        except KeyError:
            return default


class SafeguardGroup(click.Group):
    """Turns user errors into exit code 2 and anything unexpected into exit code 3, never 0.

    Ctrl-C exits 130 and SIGTERM 143, each with one line; a closed pipe ends quietly (141). None
    of them is a finding (1) or a bug (3), and none prints a traceback.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commands = _Commands()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click lays the command list out, from the short helps above rather than each module."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(n) for n in names)
        with formatter.section("Commands"):
            formatter.write_dl([(n, click.Command(n, help=COMMANDS[n][2]).get_short_help_str(limit)) for n in names])

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.ClickException as e:
            _bounded(e)
            raise

    def resolve_command(self, ctx: click.Context, args: list[str]):
        try:
            return super().resolve_command(ctx, args)
        except click.ClickException as e:
            _bounded(e)
            raise

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("safeguard: interrupted", err=True)
            ctx.exit(EXIT_SIGINT)
        except Terminated:
            click.echo("safeguard: terminated", err=True)
            ctx.exit(EXIT_SIGTERM)
        except BrokenPipeError:
            _quiet_stdout()
            ctx.exit(EXIT_SIGPIPE)
        except click.ClickException as e:
            _bounded(e)
            raise
        except (click.exceptions.Exit, click.Abort):
            raise
        except Exception as e:
            # Imported here: `--help` and a command that succeeds never need them.
            from compliance.domain.errors import UserError
            from compliance.formats.escape import terminal

            if isinstance(e, UserError):
                lines = e.lines()  # each line escaped: nothing the user typed can add one
                click.echo("\n".join([f"error: {terminal(lines[0])}", *(terminal(line) for line in lines[1:])]), err=True)
                ctx.exit(EXIT_INVALID)
            if isinstance(e, ValueError) and "null byte" in str(e):  # a NUL in a path: the OS cannot even be asked
                click.echo("error: a file name given contains a NUL character, which no file name can hold", err=True)
                ctx.exit(EXIT_INVALID)
            if isinstance(e, OSError) and e.errno in _USER_ERRNOS:
                # A path the user gave that the system refuses, met where no reader turned it into
                # words first: still the user's to fix (exit 2), never an internal error.
                from compliance.domain.errors import Problem
                from compliance.intake.documents import os_reason

                name = str(e.filename) if e.filename is not None else "a file"
                click.echo(f"error: {terminal(UserError(name, [Problem(os_reason(e))]))}", err=True)
                ctx.exit(EXIT_INVALID)
            # a bug: say so, keep the details for the report
            click.echo(terminal(f"internal error: {type(e).__name__}: {e}"), err=True)
            if ctx.obj and ctx.obj.get("debug"):
                import traceback

                traceback.print_exc()
            else:
                click.echo("(run with --debug for the traceback, and please report it)", err=True)
            ctx.exit(EXIT_INTERNAL)


def _bounded(e: click.ClickException) -> None:
    """A usage error quotes what was typed (click escapes it with repr); a 100,000-character value
    typed by mistake, or on purpose, would make a 100 KB message: its middle is cut out."""
    from compliance.domain.errors import shorten

    e.message = shorten(e.message, 600)  # type: ignore[misc]  # click marks it Final; it is read when shown


@click.group(cls=SafeguardGroup, epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="safeguard")
@click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks of internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Check NHS organisations' arrangements for safeguarding children against the requirements
    regulators inspect."""
    ctx.obj = {"debug": debug}


def main() -> None:
    global _MAIN_PID
    _MAIN_PID = os.getpid()
    signal.signal(signal.SIGTERM, _terminate)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not when started with SIGINT ignored
        signal.signal(signal.SIGINT, _terminate)
    threading.excepthook = _thread_hook
    try:
        cli(prog_name="safeguard")
    except BrokenPipeError:  # while click itself was writing (help, usage)
        _quiet_stdout()
        sys.exit(EXIT_SIGPIPE)
    except Terminated:  # while click parsed the arguments, before any command ran
        click.echo("safeguard: terminated", err=True)
        sys.exit(EXIT_SIGTERM)
