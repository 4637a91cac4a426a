"""Reminder digests: each owner is e-mailed once per item and step (30 days, 7 days, today, overdue)."""
import datetime as dt
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date

from register.accounts.models import User
from register.core.i18n import gettext as _
from register.extensions import db
from register.organisation.models import Unit
from register.preparedness import wheel
from register.preparedness.models import ReminderSent

STEP_ORDER = ("overdue", "today", "7", "30")


def step_for(due_on: dt.date, today: dt.date) -> str | None:
    """Which reminder an item is in: windows, not exact days, so a missed daily run loses nothing."""
    days = (due_on - today).days
    if days < 0:
        return "overdue"
    if days == 0:
        return "today"
    if days <= 7:
        return "7"
    if days <= 30:
        return "30"
    return None


def step_heading(step: str) -> str:
    return {"overdue": _("Overskredet"), "today": _("Forfalder i dag"), "7": _("Forfalder inden for 7 dage"),
            "30": _("Forfalder inden for 30 dage")}[step]


@dataclass
class Digest:
    recipient: str
    entries: list[tuple[str, wheel.WheelItem]] = field(default_factory=list)  # (step, item)


def unit_recipients() -> dict[int, list[str]]:
    """Each unit's contact e-mail, else the active users placed in the unit."""
    contacts = dict(db.session.execute(sa.select(Unit.id, Unit.contact_email)).all())
    users: dict[int, list[str]] = {}
    for unit_id, email in db.session.execute(sa.select(User.unit_id, User.email)
                                             .where(User.active.is_(True), User.unit_id.is_not(None))):
        users.setdefault(unit_id, []).append(email)
    return {uid: ([mail] if mail else sorted(users.get(uid, []))) for uid, mail in contacts.items()}


def build_digests(today: dt.date) -> tuple[list[Digest], list[wheel.WheelItem]]:
    """Digests of what has not been sent before, and the due items nobody can be e-mailed about."""
    sent = {tuple(row) for row in db.session.execute(
        sa.select(ReminderSent.item_key, ReminderSent.due_on, ReminderSent.step, ReminderSent.recipient))}
    recipients = unit_recipients()
    digests: dict[str, Digest] = {}
    orphans = []
    for item in wheel.all_items(today):
        if item.done:
            continue
        step = step_for(item.day, today)
        if step is None:
            continue
        emails = recipients.get(item.owner_unit_id, []) if item.owner_unit_id else []
        if not emails:
            orphans.append(item)
        for email in emails:
            if (item.key, item.day, step, email) not in sent:
                digests.setdefault(email, Digest(email)).entries.append((step, item))
    for digest in digests.values():
        digest.entries.sort(key=lambda e: (STEP_ORDER.index(e[0]), e[1].day, e[1].title))
    return sorted(digests.values(), key=lambda d: d.recipient), orphans


def compose(digest: Digest, today: dt.date, link_for) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = _("Beredskab: %(n)d frister at følge op på", n=len(digest.entries))
    sender = config.get("MAIL_FROM") or "register@localhost"
    message["From"] = sender
    message["To"] = digest.recipient
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    lines = [_("Oversigt fra registret for beredskab pr. %(date)s.", date=format_date(today, "d. MMMM y")), ""]
    current = None
    for step, item in digest.entries:
        if step != current:
            lines += ["", step_heading(step), "-" * len(step_heading(step))]
            current = step
        text = f"{format_date(item.day, 'd. MMM y')}  {item.kind.label}: {item.title}"
        if item.context:
            text += f" ({item.context})"
        lines.append(text)
        link = link_for(item)
        if link:
            lines.append(f"    {link}")
    lines += ["", _("Du får denne besked, fordi din enhed står som ansvarlig. Hver påmindelse sendes kun én gang.")]
    message.set_content("\n".join(lines))
    return message


def record_sent(digest: Digest) -> None:
    for step, item in digest.entries:
        db.session.add(ReminderSent(item_key=item.key, due_on=item.day, step=step, recipient=digest.recipient))
    db.session.flush()


def smtp_connection() -> smtplib.SMTP:
    """A connection to the SMTP server in the instance config (MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS...)."""
    config = current_app.config
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(config["MAIL_SERVER"], config.get("MAIL_PORT", 465), timeout=30)
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config.get("MAIL_PORT", 25), timeout=30)
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
    return smtp
