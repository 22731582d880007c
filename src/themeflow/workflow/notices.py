"""Telling people about a run: after it is committed, through the channels the settings name.

Kept out of the runner so a stored run can be sent again (``themeflow workflow notify NAME``) exactly as
it was sent the first time: the notice is built from the run's digest either way.
"""

from __future__ import annotations

import logging

from themeflow import progress
from themeflow.errors import ConfigError, InputError, NotFoundError
from themeflow.model import RunRecord
from themeflow.notify import Delivery, notice_of_run, send_notice, worth_notifying
from themeflow.report.digest import Digest
from themeflow.workflow.context import WorkflowContext

__all__ = ["deliver", "resend"]

log = logging.getLogger(__name__)


def deliver(
    ctx: WorkflowContext, run: RunRecord, digest: Digest, *, force: bool = False
) -> tuple[Delivery, ...]:
    """Send the run's notice when it found a story never reported before (``force``: whatever it found);
    empty when no channel is configured. A settings mistake comes back as an undelivered ``settings``
    delivery: the run is committed and must stay so."""
    if not force and not worth_notifying(digest):
        return ()
    try:
        notifiers = ctx.notifiers(ctx.settings)
    except ConfigError as exc:
        deliveries: tuple[Delivery, ...] = (Delivery("settings", "notifications", False, 0, str(exc)),)
    else:
        if not notifiers:
            return ()
        progress.stage("notifying")
        deliveries = tuple(send_notice(notice_of_run(run, digest, ctx.settings.get("public_url")), notifiers))
    for d in deliveries:
        if not d.ok:
            log.warning("workflow %r run %s: %s", run.theme, run.id, d.describe())
    return deliveries


def resend(ctx: WorkflowContext, name: str, run_id: int | None = None) -> tuple[Delivery, ...]:
    """Send a stored run of theme ``name`` again (default: its latest successful run)."""
    from themeflow.workflow.digests import digest_of_run

    with ctx.store.workflows.reading() as wf:
        if run_id is None:
            tid = wf.theme_id(name)
            if tid is None:
                raise NotFoundError(
                    f"no workflow named {name!r}; `themeflow workflow list` shows the saved ones"
                )
            last = wf.last_successful_run(tid)
            if last is None:
                raise NotFoundError(f"workflow {name!r} has no successful run to notify about yet")
            run_id = last.id
        run = wf.get_run(run_id)
    if run is None or run.theme != name:
        raise InputError(
            f"run {run_id} is not a run of workflow {name!r}; `themeflow workflow show {name}` lists them"
        )
    return deliver(ctx, run, digest_of_run(ctx, run_id), force=True)
