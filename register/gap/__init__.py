"""Gap analysis against CIS Controls v8: assessments, findings and the action plan."""
