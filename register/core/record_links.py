"""Links from one record to others (a risk to controls, findings and requirements; a supplier to controls and
risks): one tracked row per pair with a note, and the owner's version bumped so that a form opened before the
link changed is refused rather than saved over it."""
from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, flash, redirect

from register.core.concurrency import commit_or_refuse
from register.core.forms import ActionForm
from register.core.i18n import gettext as _
from register.extensions import db


@dataclass(frozen=True)
class LinkKind:
    model: type        # the link row's model
    column: str        # its column naming the linked record
    target: type       # the linked record's model


def add_link(owner, owner_column: str, kind: LinkKind, target_id: int, note: str | None, already: str,
             error: type[Exception]):
    """Link `owner` to the record `target_id` (flushes); an unknown record or a second link raises `error`."""
    if db.session.get(kind.target, target_id) is None:
        raise error(_("Det valgte findes ikke (længere)."))
    model = kind.model
    if db.session.execute(sa.select(model.id).where(getattr(model, owner_column) == owner.id,
                                                    getattr(model, kind.column) == target_id)).first():
        raise error(already)
    item = model(note=(note or "").strip() or None, **{owner_column: owner.id, kind.column: target_id})
    db.session.add(item)
    owner.version += 1
    db.session.flush()
    return item


def remove_link(owner, item) -> None:
    db.session.delete(item)
    owner.version += 1
    db.session.flush()


def link_view(form, link, error: type[Exception], back: str):
    """The POST that links: validate, link and commit, or say why not; back to the owner's page either way."""
    if form.validate_on_submit():
        saved = commit_or_refuse(lambda: link(int(form.target_id.data), form.note.data), error)
        if saved.done:
            flash(_("Koblingen er oprettet."), "success")
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect(back)


def unlink_view(owner, owner_column: str, kind: LinkKind, link_id: int, back: str):
    """The POST that removes a link of `owner`'s (404 for a link of another record's)."""
    item = db.session.get(kind.model, link_id)
    if item is None or getattr(item, owner_column) != owner.id:
        abort(404)
    if ActionForm().validate_on_submit():
        remove_link(owner, item)
        db.session.commit()
        flash(_("Koblingen er fjernet."), "success")
    return redirect(back)
