"""Support's page: the outcomes of the disconnections, what is open now, and what support learns from.

GET /support                   overview: headline figures, disconnections per day by reason, self-serve
                               rate by reason and by provider, time to reconnect
GET /support/escalations       open escalations with their age
GET /support/incidents         active provider incidents
GET /support/repeats           mailboxes that keep disconnecting
GET /support/feedback          answers voted down, with the raw error and the cause they gave
GET /support/data/<name>.csv   any panel's table as CSV

Every chart is drawn from the same `Table` as the table under it and its CSV (outcomes.panels).
`?days=7|30|90` picks the period (default 30 days up to now).
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import Blueprint, Response, abort, render_template, request

from api.reconnect_pages import secure_headers
from api.support_auth import Person, support_page
from api.web import get_session
from mailbox_assistant.orm import utcnow
from mailbox_assistant.outcomes import panels
from mailbox_assistant.outcomes.charts import Bar, Series, count_bars, share_bars, stacked_days
from mailbox_assistant.outcomes.report import outcomes_report
from mailbox_assistant.providers import display_name

PERIODS = (7, 30, 90)
VIEWS = (
    ("support.show_overview", "Overview"),
    ("support.show_escalations", "Open escalations"),
    ("support.show_incidents", "Incidents"),
    ("support.show_repeats", "Repeat disconnections"),
    ("support.show_feedback", "Voted down"),
)
# Cells that a spreadsheet would run as a formula start with one of these (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

bp = Blueprint("support", __name__, url_prefix="/support")
bp.after_request(secure_headers)


@bp.get("")
@support_page
def show_overview(person: Person) -> Response:
    """Headline figures and the four charts, each with its table and CSV."""
    since, until, days = _period()
    session = get_session()
    report = outcomes_report(session, since, until)
    day_list, by_reason = panels.daily_by_reason(session, since, until)
    reasons, providers = panels.reasons_table(report), panels.providers_table(report)
    times = panels.reconnect_times_table(report)
    charts = {
        "daily": stacked_days(
            f"Disconnections per day, by reason (last {days} days)",
            day_list,
            [Series(panels.reason_title(code), counts) for code, counts in by_reason.items()],
        ),
        "reasons": share_bars(
            "Self-serve rate by reason",
            [
                Bar(panels.reason_title(code), o.self_serve_rate, o.disconnections)
                for code, o in _ranked(report.reasons)
            ],
        ),
        "providers": share_bars(
            "Self-serve rate by provider",
            [
                Bar(display_name(key), o.self_serve_rate, o.disconnections)
                for key, o in _ranked(report.providers)
            ],
            colour=0,
        ),
        "reconnect-times": count_bars(
            "Time to reconnect", [row[0] for row in times.rows], [row[1] for row in times.rows], colour=4
        ),
    }
    return _render(
        "support/overview.html",
        person,
        days,
        title="Outcomes",
        totals=report.totals,
        charts=charts,
        legend=[(panels.reason_title(code), index) for index, code in enumerate(by_reason)],
        tables={
            "daily": panels.daily_table(day_list, by_reason),
            "reasons": reasons,
            "providers": providers,
            "reconnect-times": times,
        },
    )


@bp.get("/escalations")
@support_page
def show_escalations(person: Person) -> Response:
    """Open support cases, oldest first."""
    _, _, days = _period()
    table = panels.open_escalations(get_session(), utcnow())
    return _render("support/list.html", person, days, title="Open escalations", table=table, timeless=True)


@bp.get("/incidents")
@support_page
def show_incidents(person: Person) -> Response:
    """Provider outages going on now."""
    _, _, days = _period()
    table = panels.active_incidents(get_session(), utcnow())
    return _render("support/list.html", person, days, title="Active incidents", table=table, timeless=True)


@bp.get("/repeats")
@support_page
def show_repeats(person: Person) -> Response:
    """Mailboxes that disconnected again and again in the period."""
    since, until, days = _period()
    table = panels.repeat_disconnections(get_session(), since, until)
    return _render("support/list.html", person, days, title="Mailboxes that keep disconnecting", table=table)


@bp.get("/feedback")
@support_page
def show_feedback(person: Person) -> Response:
    """Answers voted down in the period: the raw error, the cause given, what was wrong."""
    since, until, days = _period()
    table = panels.voted_down(get_session(), since, until)
    return _render("support/feedback.html", person, days, title="Answers voted down", table=table)


@bp.get("/data/<name>.csv")
@support_page
def download_csv(person: Person, name: str) -> Response:
    """One panel's table as CSV (the numbers its chart or list shows)."""
    table = _table(name)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    writer.writerows([_csv_cell(value) for value in row] for row in table.rows)
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{_period()[2]}d.csv"'
    return response


def _table(name: str) -> panels.Table:
    since, until, _ = _period()
    session = get_session()
    now = utcnow()
    if name in ("reasons", "providers", "reconnect-times"):
        report = outcomes_report(session, since, until)
        builders = {
            "reasons": panels.reasons_table,
            "providers": panels.providers_table,
            "reconnect-times": panels.reconnect_times_table,
        }
        return builders[name](report)
    if name == "daily":
        return panels.daily_table(*panels.daily_by_reason(session, since, until))
    if name == "escalations":
        return panels.open_escalations(session, now)
    if name == "incidents":
        return panels.active_incidents(session, now)
    if name == "repeats":
        return panels.repeat_disconnections(session, since, until)
    if name == "feedback":
        return panels.voted_down(session, since, until)
    abort(404)


def _period() -> tuple:
    """(since, until, days) of `?days=` (7, 30 or 90; else 30)."""
    try:
        days = int(request.args.get("days", 30))
    except ValueError:
        days = 30
    days = days if days in PERIODS else 30
    until = utcnow()
    return until - timedelta(days=days), until, days


def _ranked(groups: dict) -> list:
    return sorted(groups.items(), key=lambda item: (-item[1].disconnections, item[0]))


def _render(template: str, person: Person, days: int, **context: object) -> Response:
    return Response(
        render_template(
            template,
            person=person,
            days=days,
            periods=PERIODS,
            views=VIEWS,
            endpoint=request.endpoint,
            reason_title=panels.reason_title,
            **context,
        )
    )


def _csv_cell(value: object) -> object:
    """A cell as CSV writes it; text that a spreadsheet would run as a formula is quoted with a '."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
