"""Preparedness: the beredskabsplan, sub-plans, exercises and the annual wheel (årshjul)."""
from register.preparedness import exercise_views, views, wheel_views


def blueprints() -> tuple:
    """The part's three blueprints: Beredskabsplan, Øvelser, Årshjul."""
    return views.bp, exercise_views.bp, wheel_views.bp
