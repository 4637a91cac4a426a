"""Preparedness: the beredskabsplan, sub-plans, exercises and the annual wheel (årshjul)."""


def blueprints() -> tuple:
    """The part's three blueprints: Beredskabsplan, Øvelser, Årshjul."""
    from register.preparedness import exercise_views, views, wheel_views

    return views.bp, exercise_views.bp, wheel_views.bp
