"""Ranking weights: what each one means, and the versions admins save and restore.

The weights in force are the newest row of ``ranking_weights`` (read by
``search_index.current_weights``). Saving never overwrites: every save adds a
version (who, when, a note), so any earlier one can be restored, which adds a
new version equal to it. The database's data-version trigger on that table
makes every worker rebuild its search index, so search and cohort allocation
rank with the new weights at once. ``matching.Weights`` checks every value;
its complaints come back here as errors beside each field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

import matching
from app.errors import Conflict, InvalidInput, NotFound
from app.models import DELETED_NAME, RankingWeights, User
from app.services import audit
from app.services.permissions import require_admin

NO_VERSION = "No version of the weights with that number."


@dataclass(frozen=True)
class Meaning:
    """What one weight does, in words an admin reads beside its field."""

    name: str
    kind: str  # "part": how much a score part counts; "shape": how a part is measured
    label: str
    help: str
    zero: str = ""  # what 0 does, where 0 is allowed
    unit: str = ""
    low: float = 0.0
    high: float = math.inf
    low_allowed: bool = True

    def allowed(self) -> str:
        """Return the allowed values in words: "0 or more", "more than 0", "0 to 0.25"."""
        if self.high == math.inf:
            return "0 or more" if self.low_allowed else "more than 0"
        return f"{number(self.low)} to {number(self.high)}"

    def show(self, value: float) -> str:
        """Return ``value`` with its unit: "10 km", "30 days", "3"."""
        return f"{number(value)} {self.unit}".strip()


def number(value: float) -> str:
    """Return a weight as people write it: 3, 0.5, 0.05 (no trailing zeros)."""
    return f"{value:g}"


#: Every weight, in the order the page shows them. The ranges are those
#: ``matching.Weights`` enforces (a test holds them to it).
MEANINGS: tuple[Meaning, ...] = (
    Meaning("proximity", "part", "How much being near counts",
            "In person, a supporter at the distance below scores half of one next door.",
            "At 0, distance no longer orders anyone (the radius still applies)."),
    Meaning("event_group", "part", "How much sharing the coach's event groups counts",
            "The share of the coach's event groups the supporter holds.",
            "At 0, event groups no longer order anyone."),
    Meaning("needs", "part", "How much covering the coach's needs counts",
            "The share of the coach's development-plan needs (by priority) the supporter "
            "covers.",
            "At 0, needs no longer order anyone."),
    Meaning("ladder", "part", "How much a well-placed qualification counts",
            "Full marks one to three levels above the coach (one to two for mentors; the "
            "same level for co-coaches), halving for each level outside that.",
            "At 0, every level the ladder rules let through counts the same."),
    Meaning("responsiveness", "part", "How much answering requests counts",
            "Half the share of requests answered, half how recently the supporter was "
            "active.",
            "At 0, answering and activity no longer order anyone."),
    Meaning("text", "part", "How much the coach's goals matching a supporter's words counts",
            "How alike the coach's goals and the supporter's bio and expertise are.",
            "At 0, the words of goals and bios are ignored."),
    Meaning("supervision", "part", "How much supervising an assistant coach counts",
            "For assistant coaches only: a qualified supporter at their club counts fully, "
            f"one within {number(matching.SUPERVISION_NEARBY_KM)} km half.",
            "At 0, assistant coaches are ranked like everyone else."),
    Meaning("availability", "part", "How much places free count",
            "Only a tie-breaker between supporters who are otherwise about equal: at most "
            f"{number(matching.MAX_AVAILABILITY)}, so places free never lift anyone above "
            "a clearly nearer or better-fitting supporter.",
            "At 0, places free never matter.", high=matching.MAX_AVAILABILITY),
    Meaning("proximity_half_km", "shape", "Distance at which nearness counts half",
            "Nearer than this counts more than half, further less: at twice this "
            "distance, a third.", unit="km", low_allowed=False),
    Meaning("related_group", "shape", "How much a related event group counts",
            "A related group (hurdles for a sprints coach) counts this share of the coach's "
            "own.", "At 0, only the coach's own event groups count.", high=1.0),
    Meaning("recency_half_life_days", "shape", "Days without activity after which recency "
            "counts half",
            "How quickly a quiet supporter's responsiveness fades.", unit="days",
            low_allowed=False),
    Meaning("online_proximity", "shape", "Nearness of an online pairing in cohort allocation",
            "A share of full nearness. Search ranks online supporters in a section of their "
            "own, so this only matters when a cohort is allocated.",
            "At 0, an online pairing gets no credit for nearness.", high=1.0),
)
MEANING = {m.name: m for m in MEANINGS}
NAMES = tuple(m.name for m in MEANINGS)


# --- reading ----------------------------------------------------------------------------


def values_of(weights: matching.Weights | Mapping) -> dict[str, float]:
    """Return the weights' values by name, without the version number."""
    mapping = weights.to_mapping() if isinstance(weights, matching.Weights) else weights
    defaults = matching.Weights().to_mapping()
    return {name: float(mapping.get(name, defaults[name])) for name in NAMES}


def changes(before: Mapping, after: Mapping) -> list[dict]:
    """Return what differs between two sets of values, in the page's order, in words."""
    found = []
    for meaning in MEANINGS:
        old, new = float(before[meaning.name]), float(after[meaning.name])
        if not math.isclose(old, new, rel_tol=0, abs_tol=1e-12):
            found.append({"name": meaning.name, "label": meaning.label,
                          "before": old, "after": new,
                          "text": f"{meaning.label}: {meaning.show(old)} → {meaning.show(new)}"})
    return found


def _newest(session: Session) -> RankingWeights | None:
    return session.scalar(select(RankingWeights).order_by(RankingWeights.id.desc()).limit(1))


def in_force(session: Session) -> tuple[matching.Weights, RankingWeights | None]:
    """Return the weights in force and the version row they come from (None: the defaults)."""
    row = _newest(session)
    if row is None:
        return matching.Weights(), None
    return matching.Weights.from_mapping(row.weights), row


def overview(session: Session, admin: User) -> dict:
    """Return the weights in force, each with its meaning, value, default and allowed range."""
    require_admin(admin)
    weights, row = in_force(session)
    current, defaults = values_of(weights), values_of(matching.Weights())
    return {
        "version": _version(session, row),
        "weights": current,
        "fields": [{"name": m.name, "kind": m.kind, "label": m.label, "help": m.help,
                    "zero": m.zero, "unit": m.unit, "value": current[m.name],
                    "shown": m.show(current[m.name]), "default": defaults[m.name],
                    "min": m.low, "max": None if m.high == math.inf else m.high,
                    "min_allowed": m.low_allowed, "allowed": m.allowed()}
                   for m in MEANINGS],
    }


def _version(session: Session, row: RankingWeights | None) -> dict:
    if row is None:
        return {"id": 0, "created_at": None, "created_by": None,
                "note": "The built-in defaults: nobody has saved weights yet."}
    return {"id": row.id, "created_at": row.created_at,
            "created_by": _names(session, [row.created_by_id]).get(row.created_by_id),
            "note": row.note}


def _names(session: Session, user_ids) -> dict[int | None, str | None]:
    ids = {i for i in user_ids if i is not None}
    names: dict[int | None, str | None] = {None: DELETED_NAME}
    if ids:
        names.update(session.execute(
            select(User.id, User.display_name).where(User.id.in_(ids))).all())
    return names


def versions(session: Session, admin: User) -> list[dict]:
    """Return every saved version, newest first, each with what it changed from the one before.

    The first version is compared with the built-in defaults. ``restorable``:
    an earlier version whose weights differ from those in force.
    """
    require_admin(admin)
    rows = session.scalars(select(RankingWeights).order_by(RankingWeights.id)).all()
    names = _names(session, [r.created_by_id for r in rows])
    previous = values_of(matching.Weights())
    found = []
    for row in rows:
        values = values_of(row.weights)
        found.append({"id": row.id, "created_at": row.created_at,
                      "created_by": names.get(row.created_by_id, DELETED_NAME),
                      "note": row.note, "weights": values,
                      "changes": changes(previous, values)})
        previous = values
    for entry in found:
        entry["current"] = entry is found[-1]
        entry["restorable"] = not entry["current"] and entry["weights"] != previous
    return found[::-1]


# --- checking, saving, restoring --------------------------------------------------------


def check(values: Mapping, base: matching.Weights | None = None) -> matching.Weights:
    """Return ``base`` (the defaults) with ``values`` put in, or raise InvalidInput by field.

    Every field is checked on its own first, so each wrong one is named at once.
    """
    base = base or matching.Weights()
    if not isinstance(values, Mapping):
        raise InvalidInput("Give the weights as names and numbers.",
                           errors={"weights": ["Give the weights as names and numbers."]})
    errors = field_errors(values)
    if errors:
        raise InvalidInput("Some weights are not allowed: see the message beside each.",
                           errors=errors)
    try:
        return matching.Weights.from_mapping({**base.to_mapping(), **values})
    except matching.InvalidWeights as err:  # a rule across fields, should matching add one
        raise InvalidInput(f"{err.field}: {err.message}",
                           errors={err.field: [_sentence(err.message)]}) from err


def field_errors(values: Mapping) -> dict[str, list[str]]:
    """Return what ``matching.Weights`` says is wrong with each of ``values``, by name."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        if name not in MEANING:
            errors[str(name)] = ["Not a weight: see the list of weights for their names."]
            continue
        try:
            matching.Weights.from_mapping({name: value})
        except matching.InvalidWeights as err:
            errors[name] = [_sentence(err.message)]
    return errors


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def save(session: Session, admin: User, values: Mapping, *, note: str = "",
         based_on: int | None = None) -> RankingWeights:
    """Save ``values`` (missing ones keep their value in force) as a new version.

    ``based_on``: the version the admin started from (0 for the defaults); if
    someone saved another since, nothing is saved and the refusal says who.
    """
    require_admin(admin)
    current, row = in_force(session)
    _still_current(session, row, based_on)
    proposed = check(values, current)
    changed = changes(values_of(current), values_of(proposed))
    if not changed:
        raise InvalidInput("Nothing to save: these are the weights in force.",
                           errors={"weights": ["These are the weights in force already: "
                                               "change at least one."]})
    saved = _add_version(session, admin, proposed, note.strip())
    audit.record(session, "weights.saved", actor=admin, subject=saved,
                 details={"version": saved.id, "changed": [c["name"] for c in changed]})
    return saved


def restore(session: Session, admin: User, version_id: int, *, note: str = "") -> RankingWeights:
    """Put an earlier version's weights back in force, as a new version equal to it."""
    require_admin(admin)
    old = session.get(RankingWeights, version_id)
    if old is None:
        raise NotFound(NO_VERSION)
    current, _ = in_force(session)
    weights = matching.Weights.from_mapping(old.weights)
    if not changes(values_of(current), values_of(weights)):
        raise Conflict(f"Version {old.id}'s weights are the ones in force already: "
                       "nothing to restore.")
    text = f"Restored version {old.id}" + (f": {note.strip()}" if note.strip() else "")
    saved = _add_version(session, admin, weights, text)
    audit.record(session, "weights.restored", actor=admin, subject=saved,
                 details={"version": saved.id, "restored": old.id})
    return saved


def _still_current(session: Session, row: RankingWeights | None, based_on: int | None) -> None:
    in_force_id = row.id if row is not None else 0
    if based_on is None or based_on == in_force_id:
        return
    who = _version(session, row)["created_by"] or DELETED_NAME
    raise Conflict(f"{who} saved version {in_force_id} while you were editing version "
                   f"{based_on}. Nothing was saved: look at the weights in force now, then "
                   "make your change again.")


def _add_version(session: Session, admin: User, weights: matching.Weights,
                 note: str) -> RankingWeights:
    row = RankingWeights(weights={}, note=note, created_by_id=admin.id)
    session.add(row)
    session.flush()
    # The version number is the row's: results ranked with it carry it.
    row.weights = replace(weights, version=row.id).to_mapping()
    session.flush()
    return row
