"""Following objectives, teams and people; who follows what automatically."""


def objective_context(user, objective) -> dict:
    return {}
