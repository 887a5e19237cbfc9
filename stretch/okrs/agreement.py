"""Setting OKRs together: proposals to a reviewer, alignment requests, dependencies."""


def objective_context(user, objective) -> dict:
    """What the objective page's agreement panel needs (filled in by the agreement work)."""
    return {}
