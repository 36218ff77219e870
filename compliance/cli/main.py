"""The `safeguard` command line."""

from __future__ import annotations

import os
import signal
import sys
import traceback

import click

from compliance import __version__
from compliance.domain.errors import UserError
from compliance.cli.options import EXIT_CODES_HELP
from compliance.formats.escape import terminal
from compliance.domain.exit_policy import EXIT_INTERNAL, EXIT_INVALID


EXIT_SIGINT, EXIT_SIGPIPE, EXIT_SIGTERM = 130, 141, 143  # 128 + the signal, as shells report it


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so outputs are cleaned up as for Ctrl-C."""


def _terminate(signum, frame):  # noqa: ARG001 - the signal module's signature
    raise Terminated()


def _quiet_stdout() -> None:
    """The reader went away (`| head`): send what is left nowhere, so exit prints nothing either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class SafeguardGroup(click.Group):
    """Turns user errors into exit code 2 and anything unexpected into exit code 3, never 0.

    Ctrl-C exits 130 and SIGTERM 143, each with one line; a closed pipe ends quietly (141). None
    of them is a finding (1) or a bug (3), and none prints a traceback.
    """

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
        except UserError as e:
            click.echo(f"error: {terminal(e)}", err=True)
            ctx.exit(EXIT_INVALID)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as e:  # a bug: say so, keep the details for the report
            click.echo(terminal(f"internal error: {type(e).__name__}: {e}"), err=True)
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            else:
                click.echo("(run with --debug for the traceback, and please report it)", err=True)
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=SafeguardGroup, epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="safeguard")
@click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks of internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Check NHS organisations' arrangements for safeguarding children against the requirements
    regulators inspect."""
    ctx.obj = {"debug": debug}


def _register() -> None:
    from compliance.cli.area import area
    from compliance.cli.assess import assess, schema
    from compliance.cli.diff import diff
    from compliance.cli.rules import rules_group
    from compliance.cli.screen import fixtures_group, screen
    from compliance.cli.snapshot import snapshot_group
    from compliance.cli.template import template

    for command in (assess, schema, rules_group, snapshot_group, screen, area, fixtures_group, diff, template):
        cli.add_command(command)


_register()


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    try:
        cli(prog_name="safeguard")
    except BrokenPipeError:  # while click itself was writing (help, usage)
        _quiet_stdout()
        sys.exit(EXIT_SIGPIPE)
