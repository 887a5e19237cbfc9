"""A cache for expensive OKR reads (the alignment trees), invalidated by a generation.

One counter in the cache, the "OKR generation", is part of every cached key. Any committed
change to objectives, key results, check-ins, cycles, teams, people's names or the strategy
bumps it, so every server sharing the cache (Redis, `REDIS_URL`) builds afresh at its next
read; old entries are never read again and expire. What bumps it:

- a recorded activity about OKRs (`stretch.social.events.record`: check-ins, new and
  published objectives, grades, proposals, alignments), and
- saving or deleting one of the models the trees are made of (the services that record no
  activity: editing or deleting an objective or key result, cycle phases, teams, pillars),
- `bump_on_commit()` called by hand after a bulk write (`QuerySet.update`, `bulk_create`),
  which sends no signal.

The bump happens when the transaction commits, so a write that is rolled back bumps nothing
and a reader never caches what another transaction has not committed. A read inside a
transaction skips the cache altogether: it may see its own uncommitted writes.

What is cached must not depend on who looks: cache what is the same for everyone (the whole
tree with progress) and filter it for the viewer afterwards, or key it on what the viewer
may see (`visible_key`).
"""

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.utils import timezone, translation

from stretch.social import events

logger = logging.getLogger(__name__)

T = TypeVar("T")

GENERATION_KEY = "okrs:generation"
TIMEOUT = 600  # seconds: an entry nobody invalidated (a bulk write forgot) lives this long

# Activities that change progress or the shape of the tree (comments, recognition and
# dependencies change neither).
OKR_VERBS = {
    events.Verb.OBJECTIVE_CREATED,
    events.Verb.OBJECTIVE_PUBLISHED,
    events.Verb.CHECK_IN,
    events.Verb.OFF_TRACK,
    events.Verb.GRADED,
    events.Verb.PROPOSED,
    events.Verb.AGREED,
    events.Verb.CHANGES_REQUESTED,
    events.Verb.ALIGNMENT_REQUESTED,
    events.Verb.ALIGNMENT_ACCEPTED,
    events.Verb.ALIGNMENT_DECLINED,
}


def _fresh() -> int:
    # Not 1: were the counter evicted while old entries remain, a restart at 1 could meet
    # them again. Milliseconds since the epoch are past any count reached before.
    return time.time_ns() // 1_000_000


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, _fresh(), timeout=None)
        value = cache.get(GENERATION_KEY)
    return int(value) if value is not None else _fresh()


def bump() -> None:
    """Make every cached OKR read stale, on every server sharing the cache."""
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # not there (first use, evicted, Redis flushed)
            cache.set(GENERATION_KEY, _fresh(), timeout=None)
    except Exception:  # the write is committed already; say so rather than fail the request
        logger.exception(
            "could not bump the OKR cache generation; trees stay stale for %ss", TIMEOUT
        )


def bump_on_commit() -> None:
    """Bump when the current transaction commits (now, outside one); once per transaction."""
    pending = getattr(connection, "run_on_commit", None) or []
    if connection.in_atomic_block and any(entry[1] is bump for entry in pending):
        return
    transaction.on_commit(bump)


def _key(key_parts: Sequence[Any]) -> str:
    text = ":".join(str(part) for part in key_parts)
    if len(text) > 200 or any(c.isspace() for c in text):
        text = hashlib.sha256(text.encode()).hexdigest()
    return text


def active() -> bool:
    """Whether reads may use the cache: not inside a transaction, which may see (and would
    cache) its own uncommitted writes."""
    return not connection.in_atomic_block


def cached(key_parts: Sequence[Any], builder: Callable[[], T], timeout: int = TIMEOUT) -> T:
    """`builder()`, cached under `key_parts` in the current OKR generation.

    The key also holds today's date (pace and health depend on it) and the active language.
    Inside a transaction the cache is skipped: what it would store might never commit.
    """
    if not active():
        return builder()
    try:
        key = "okrs:{}:{}:{}:{}".format(
            generation(),
            timezone.localdate().isoformat(),
            translation.get_language() or "",
            _key(key_parts),
        )
        found = cache.get(key)
    except Exception:
        logger.exception("the OKR cache is unreachable; building without it")
        return builder()
    if found is not None:
        return found
    value = builder()
    try:
        cache.set(key, value, timeout)
    except Exception:
        logger.exception("could not store in the OKR cache")
    return value


def visible_key(user, private: Iterable[Any]) -> str:
    """A short key naming which of the `private` objectives (objects with `pk`,
    `visibility`, `owner_person_id`, `owner_team_id`) `user` may see: everyone sees the
    public ones, so viewers with the same key see the same objectives."""
    from stretch import access

    seen = sorted(o.pk for o in private if access.can_view_objective(user, o))
    if not seen:
        return "public"
    return hashlib.sha256(",".join(map(str, seen)).encode()).hexdigest()[:32]


# What bumps the generation ------------------------------------------------------------------


def _on_activity(activity, context: dict[str, Any]) -> None:
    if activity.verb in OKR_VERBS:
        bump_on_commit()


def _on_save(sender, instance=None, update_fields=None, **kwargs) -> None:
    if sender is get_user_model() and update_fields and set(update_fields) <= {"last_login"}:
        return  # signing in changes no name
    bump_on_commit()


def _models() -> list[type[Model]]:
    from stretch.okrs.models import CheckIn, Cycle, KeyResult, MilestoneStep, Objective
    from stretch.org.models import Company, Profile, StrategyPillar, Team

    return [
        Objective,
        KeyResult,
        MilestoneStep,
        CheckIn,
        Cycle,
        Team,
        StrategyPillar,
        Company,
        Profile,
        get_user_model(),
    ]


def connect() -> None:
    """Register what bumps the generation (idempotent); runs when this module is imported.

    Deleting check-ins and steps sends no signal here: a receiver would make Django load
    every check-in of a deleted objective one by one. They go with their key result (which
    does bump), or through a service that bumps by hand (`refresh_current`).
    """
    from stretch.okrs.models import CheckIn, MilestoneStep

    events.listen(_on_activity)
    for model in _models():
        uid = f"stretch.caching.{model._meta.label}"
        post_save.connect(_on_save, sender=model, dispatch_uid=f"{uid}.save", weak=False)
        if model not in (CheckIn, MilestoneStep):
            post_delete.connect(_on_save, sender=model, dispatch_uid=f"{uid}.delete", weak=False)


connect()
