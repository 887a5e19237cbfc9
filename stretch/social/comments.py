"""Comments on objectives, key results and check-ins (services: create, edit, delete, react)."""


def objective_context(user, objective) -> dict:
    """What the objective page's comment section needs (filled in by the comments work)."""
    return {}
