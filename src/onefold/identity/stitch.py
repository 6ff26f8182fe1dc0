"""Deterministic real-time stitching of collected events into profiles, under per-type rules.

Evidence (exact, never fuzzy — the batch identity build adds the probabilistic half):

- the identifiers one event carries belong to the same person: ``userId``, ``anonymousId``,
  ``context.device.id`` and the ``identify`` traits ``email``, ``phone`` (E.164), ``loyalty_id``;
- ``alias`` links ``previousId`` to ``userId``.

Rules (compiled from ``IdentitySettings`` into :class:`~onefold.identity.stitch_rules.StitchRules`):

- **Priority.** An event lands on the profile of its highest-priority identifier (default
  user_id > loyalty_id > email > phone > anonymous_id > device_id).
- **Limits.** A profile holds at most N identifiers of a type (default 1 user_id, 1 loyalty_id,
  5 emails, 5 phones). A merge or attach that would exceed one is refused and recorded in
  ``stitch_refused_merges``; the event still lands on its highest-priority profile.
- **Blocklist.** Junk values (``test@test.com``, ``0000000000``, ``null``…) are never evidence.
- **Hot keys.** An identifier that tries to link more than ``hot_key_max_profiles`` distinct
  profiles — counting both existing profiles and events that bring new identifiers in through it
  (except through the strongest type: a user_id may gather any number of devices) — is recorded in
  ``stitch_hot_keys`` and stops being evidence, so one shared value cannot collapse thousands of
  customers into one (at most that many profiles ever join through it). Claims are kept in
  ``stitch_key_claims``, at most threshold + 1 rows per identifier.
- **Ledger.** Every merge is written to ``stitch_merge_ledger`` (identifier, messageId, time); the
  older (smaller) profile id survives and the retired id keeps resolving through ``stitch_merges``.

Runs once per group commit inside the writer's transaction: one lookup of every identifier in the
batch, then the events in order with an in-memory view of the graph (a fast path for the common
event whose identifiers already sit on one profile), then a handful of set-based writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from onefold.identity import stitch_store as store
from onefold.identity.graph import limit_reason
from onefold.identity.stitch_rules import Key, StitchRules
from onefold.schema.events import ValidEvent, format_ts
from onefold.store import stitch_graph as graph
from onefold.store.stitch_graph import ProfileRow

if TYPE_CHECKING:  # engines are imported only by store/ at run time
    import sqlite3

__all__ = ["StitchRules", "stitch"]


def _keys_per_event(events: Sequence[tuple[int, ValidEvent]], rules: StitchRules) -> list[list[Key]]:
    # Most events carry no traits and repeat their sender's ids: memoise on those.
    memo: dict[tuple[Any, ...], list[Key]] = {}
    out: list[list[Key]] = []
    for _, e in events:
        mk = rules.memo_key(e)
        if mk is None:
            out.append(rules.event_keys(e))
            continue
        keys = memo.get(mk)
        if keys is None:
            keys = memo[mk] = rules.event_keys(e)
        out.append(keys)  # shared, never mutated: alias events (which get a key added) are not memoised
    return out


def stitch(conn: sqlite3.Connection, events: Sequence[tuple[int, ValidEvent]], *, rules: StitchRules) -> None:
    """Fold a batch of newly stored events (seq, event) into the profile graph (caller's transaction)."""
    per_event = _keys_per_event(events, rules)
    aliases = {
        e.previous_id
        for _, e in events
        if e.type == "alias" and e.previous_id and rules.allowed(("user_id", e.previous_id))
    }
    wanted = {k for keys in per_event for k in keys}
    wanted.update((kind, p) for p in aliases for kind in ("user_id", "anonymous_id"))
    known, hot = store.lookup(conn, wanted)
    if aliases:
        in_batch = {k for keys in per_event for k in keys}
        for i, (_, e) in enumerate(events):
            if e.type == "alias" and e.previous_id in aliases:
                key = _alias_key(e.previous_id, known, in_batch)
                if key[0] in rules.rank:
                    per_event[i] = sorted([*per_event[i], key], key=lambda k: rules.rank[k[0]])
    batch = _Batch(conn, rules, known, hot)
    for (seq, e), keys in zip(events, per_event, strict=True):
        if keys:
            batch.place(seq, e, keys)
    batch.flush()


def _alias_key(previous_id: str, known: dict[Key, int], in_batch: set[Key]) -> Key:
    # previousId may be an earlier userId or an anonymousId: link whichever the graph (or this batch)
    # already knows, preferring userId; an unknown previousId is most often an anonymousId.
    for kind in ("user_id", "anonymous_id"):
        key = (kind, previous_id)
        if key in known or key in in_batch:
            return key
    return ("anonymous_id", previous_id)


class _Batch:
    """The graph as one batch sees it: stored owners plus this batch's merges, attaches and refusals."""

    def __init__(self, conn: sqlite3.Connection, rules: StitchRules, known: dict[Key, int], hot: set[Key]) -> None:
        self.conn = conn
        self.rules = rules
        self.hot = hot
        self.owner = {k: p for k, p in known.items() if k not in hot}
        self.profiles = graph.load_profiles(conn, sorted(set(self.owner.values())))
        self.created: dict[int, ProfileRow] = {}
        self.retired_new = False
        self.parent: dict[int, int] = {}
        self.next_id = graph.next_profile_id(conn)
        self.counts: dict[int, dict[str, int]] = {}
        self.new_keys: dict[Key, tuple[int, int]] = {}
        self.claims: dict[Key, set[int]] = {}
        self.new_claims: dict[Key, set[int]] = {}
        self.refusals: list[store.Refusal] = []
        self.ledger: list[store.LedgerEntry] = []
        self.new_hot: dict[Key, tuple[int, str, int]] = {}

    def find(self, pid: int) -> int:
        parent = self.parent
        root = pid
        while root in parent:
            root = parent[root]
        while pid != root:  # path compression
            parent[pid], pid = root, parent[pid]
        return root

    def place(self, seq: int, e: ValidEvent, keys: list[Key]) -> None:
        """Land one event on a profile, merging/attaching what the rules allow."""
        if self.hot:
            keys = [k for k in keys if k not in self.hot]
            if not keys:
                return
        owner = self.owner
        pid = owner.get(keys[0])
        if pid is not None:  # fast path: every identifier already on the same profile
            pid = self.find(pid)
            for key in keys[1:]:
                other = owner.get(key)
                if other is None or self.find(other) != pid:
                    break
            else:
                self._touch(pid, e)
                return
        self._touch(self._resolve(seq, e, keys), e)

    def _resolve(self, seq: int, e: ValidEvent, keys: list[Key]) -> int:
        limits = self.rules.limits
        first_refusal = len(self.refusals)
        target: int | None = None
        target_key: Key | None = None
        pending: list[Key] = []
        pending_counts: dict[str, int] = {}
        fresh_claimed = False  # new identifiers joining via target_key were counted once for this event
        detached = False
        for key in keys:
            if key in self.hot:  # turned hot earlier in this event
                continue
            pid = self.owner.get(key)
            if pid is None:  # an identifier never seen before
                if target is not None and not detached:
                    if not fresh_claimed and target_key is not None:
                        fresh_claimed = True
                        if self._fresh_claim(target, target_key, seq, e):
                            self._refuse(target, 0, target_key, self._hot_rule(), seq, e)
                            detached = True  # the link turned hot: new identifiers start their own profile
                    if not detached:
                        self._attach(target, key, seq, e)
                        continue
                lim = limits.get(key[0])
                if lim is not None and pending_counts.get(key[0], 0) >= lim:
                    self._refuse(None, 0, key, limit_reason(key[0], lim), seq, e)
                    continue
                pending.append(key)
                pending_counts[key[0]] = pending_counts.get(key[0], 0) + 1
                continue
            pid = self.find(pid)
            if target is None:
                if pending and _breach(self.rules, self._counts(pid), pending_counts) is not None:
                    # Stronger new identifiers cannot join this profile: they start their own.
                    target = self._create(seq, pending, pending_counts)
                    target = self._link(target, None, pid, key, seq, e)
                elif pending and self._fresh_claim(pid, key, seq, e):
                    target = self._create(seq, pending, pending_counts)
                    self._refuse(target, pid, key, self._hot_rule(), seq, e)
                else:
                    target, target_key = pid, key
                    for new in pending:
                        self._attach(target, new, seq, e)
                pending = []
            elif pid != target:
                target = self._link(target, target_key, pid, key, seq, e)
        if target is None or detached and pending:
            target = self._create(seq, pending, pending_counts)
        self._settle_refusals(first_refusal, target)
        return target

    def _settle_refusals(self, start: int, target: int) -> None:
        # Refusals recorded before the event had a profile (profile_id -1) get it now.
        for i in range(start, len(self.refusals)):
            if self.refusals[i].profile_id == -1:
                self.refusals[i] = replace(self.refusals[i], profile_id=target)

    def _link(self, target: int, target_key: Key | None, other: int, key: Key, seq: int, e: ValidEvent) -> int:
        """``key`` (found on ``other``) says ``other`` is the same person as ``target``: merge if allowed."""
        # Both sides of the link are counted, except the strongest type on the target's side: one
        # user_id legitimately gathers many browsers' anonymous profiles.
        hot = key if self._claim(key, (target, other), seq, e) else None
        if hot is None and target_key is not None and target_key[0] != self.rules.order[0]:
            hot = target_key if self._claim(target_key, (target, other), seq, e) else None
        if hot is not None:
            self._refuse(target, other, hot, self._hot_rule(), seq, e)
            return target
        rule = _breach(self.rules, self._counts(target), self._counts(other))
        if rule is not None:
            self._refuse(target, other, key, rule, seq, e)
            return target
        return self._merge(target, other, key, seq, e)

    def _fresh_claim(self, target: int, via: Key, seq: int, e: ValidEvent) -> bool:
        """New identifiers are about to join ``target`` through ``via``: count them as one more person
        ``via`` links (a synthetic claimant ``-seq``), unless ``via`` is of the strongest type, which
        legitimately gathers a person's new devices. True when ``via`` just turned hot.

        Without this, 2,000 strangers whose first event is an identify with a shared email would all
        attach to the email's first profile without ever causing a conflict.
        """
        if via[0] == self.rules.order[0] or target in self.created and self.created[target].created_seq == seq:
            return False
        return self._claim(via, (target, -seq), seq, e)

    def _hot_rule(self) -> str:
        return f"hot identifier: links more than {self.rules.hot_key_max_profiles} profiles"

    def _claim(self, key: Key, pids: tuple[int, int], seq: int, e: ValidEvent) -> bool:
        """Count the profiles ``key`` tries to link; True (and the key turns hot) past the threshold."""
        seen = self.claims.get(key)
        if seen is None:
            seen = self.claims[key] = store.claims(self.conn, key)
        fresh = [p for p in pids if p not in seen]
        if not fresh:
            return False
        seen.update(fresh)
        self.new_claims.setdefault(key, set()).update(fresh)
        if len(seen) <= self.rules.hot_key_max_profiles:
            return False
        self.hot.add(key)
        self.owner.pop(key, None)
        self.new_hot[key] = (len(seen), e.message_id, seq)
        return True

    def _merge(self, a: int, b: int, key: Key, seq: int, e: ValidEvent) -> int:
        survivor, loser = min(a, b), max(a, b)  # the older profile id survives
        keep, gone = self._row(survivor), self._row(loser)
        _combine(keep, gone)
        self.counts[survivor] = _add(self._counts(survivor), self.counts.pop(loser, {}))
        self.parent[loser] = survivor
        if self.created.pop(loser, None) is not None:
            self.retired_new = True
        else:
            del self.profiles[loser]
        graph.merge(self.conn, loser=loser, survivor=survivor, seq=seq)
        self.ledger.append(store.LedgerEntry(survivor, loser, key[0], key[1], e.message_id, seq))
        return survivor

    def _attach(self, target: int, key: Key, seq: int, e: ValidEvent) -> None:
        lim = self.rules.limits.get(key[0])
        if lim is not None:
            counts = self._counts(target)
            if counts.get(key[0], 0) >= lim:
                self._refuse(target, 0, key, limit_reason(key[0], lim), seq, e)
                return
            counts[key[0]] = counts.get(key[0], 0) + 1
        self.owner[key] = target
        self.new_keys[key] = (target, seq)

    def _create(self, seq: int, keys: list[Key], counts: dict[str, int]) -> int:
        pid = self.next_id
        self.next_id += 1
        self.created[pid] = ProfileRow(pid, {}, 0, None, None, seq)
        self.counts[pid] = {k: n for k, n in counts.items() if k in self.rules.limits}
        for key in keys:
            self.owner[key] = pid
            self.new_keys[key] = (pid, seq)
        return pid

    def _refuse(self, target: int | None, other: int, key: Key, rule: str, seq: int, e: ValidEvent) -> None:
        self.refusals.append(store.Refusal(-1 if target is None else target, other, key[0], key[1], rule,
                                           e.message_id, seq))

    def _counts(self, pid: int) -> dict[str, int]:
        counts = self.counts.get(pid)
        if counts is None:
            kinds = list(self.rules.limits)
            counts = self.counts[pid] = store.limited_counts(self.conn, pid, kinds) if kinds else {}
        return counts

    def _row(self, pid: int) -> ProfileRow:
        row = self.profiles.get(pid)
        return row if row is not None else self.created[pid]

    def _touch(self, pid: int, e: ValidEvent) -> None:
        profile = self._row(pid)
        profile.event_count += 1
        ts = e.timestamp  # canonical UTC text: string order is time order
        if profile.first_seen is None or ts < profile.first_seen:
            profile.first_seen = ts
        if profile.last_seen is None or ts > profile.last_seen:
            profile.last_seen = ts
        if e.traits:
            profile.traits.update({k: v for k, v in e.traits.items() if v is not None})

    def flush(self) -> None:
        """Write the batch: profiles, new identifiers (on their final profile), rule outcomes."""
        graph.save_profiles(self.conn, new=list(self.created.values()), changed=list(self.profiles.values()))
        graph.add_identifiers(self.conn, [(k, v, self.find(pid), seq) for (k, v), (pid, seq) in self.new_keys.items()])
        if self.retired_new:
            store.reserve_profile_ids(self.conn, self.next_id - 1)
        if self.refusals or self.ledger or self.new_claims or self.new_hot:
            refusals = [replace(r, profile_id=self.find(r.profile_id),
                                other_profile_id=self.find(r.other_profile_id) if r.other_profile_id else 0)
                        for r in self.refusals]
            store.save(self.conn, at=format_ts(datetime.now(UTC)), claims=self.new_claims, refusals=refusals,
                       ledger=self.ledger, hot=self.new_hot)


def _breach(rules: StitchRules, a: dict[str, int], b: dict[str, int]) -> str | None:
    """The limit that holding both identifier sets on one profile would break, if any."""
    for kind, lim in rules.limits.items():
        if a.get(kind, 0) + b.get(kind, 0) > lim:
            return limit_reason(kind, lim)
    return None


def _add(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) + b.get(k, 0) for k in a.keys() | b.keys()}


def _combine(survivor: ProfileRow, loser: ProfileRow) -> None:
    # The more recently active profile's trait values win.
    if (loser.last_seen or "") > (survivor.last_seen or ""):
        survivor.traits = {**survivor.traits, **loser.traits}
    else:
        survivor.traits = {**loser.traits, **survivor.traits}
    survivor.event_count += loser.event_count
    survivor.first_seen = min(filter(None, (survivor.first_seen, loser.first_seen)), default=None)
    survivor.last_seen = max(filter(None, (survivor.last_seen, loser.last_seen)), default=None)
