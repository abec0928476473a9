"""Which contracts an owner needs trade prices for, as a live view that says when it changes.

An order manager needs prices while an emulated stop-limit is armed in a contract; a position
manager while a position is open in it. Each keeps its own mapping by contract id (its source
of truth) and exposes a :class:`PriceInterest` over it. The owner calls :meth:`refresh` after
it adds or removes a contract's entry; watchers (the suite's market dispatcher, which turns it
into a native flag on the feed) hear ``(contract_id, wanted)`` once per change. While no owner
wants a contract's prices, a market message about it costs no Python at all.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping

__all__ = ["InterestWatcher", "PriceInterest"]

InterestWatcher = Callable[[str, bool], None]
"""Called with ``(contract_id, wanted)`` when a contract enters or leaves an interest."""


class PriceInterest(Collection[str]):
    """The contracts of ``source`` (a mapping the owner keeps by contract id), read live.

    ``contract_id in interest``, ``len``, iteration and truthiness read ``source`` as it is now.
    :meth:`watch` registers a watcher, told at once of the contracts already in it;
    :meth:`refresh` is the owner's call after changing ``source`` for one contract.
    """

    __slots__ = ("_source", "_told", "_watchers")

    def __init__(self, source: Mapping[str, object]) -> None:
        self._source = source
        self._told: set[str] = set()  # what the watchers were last told is wanted
        self._watchers: list[InterestWatcher] = []

    def __contains__(self, contract_id: object) -> bool:
        return contract_id in self._source

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._source))  # a snapshot: the owner may change it meanwhile

    def __len__(self) -> int:
        return len(self._source)

    def __repr__(self) -> str:
        return f"PriceInterest({sorted(self._source)!r})"

    def watch(self, watcher: InterestWatcher) -> None:
        """Tell ``watcher`` of every change from now on (and of the contracts in it now)."""
        # the watchers so far first learn what changed unseen: what left, then what entered
        for contract_id in [*self._told, *self._source]:
            self.refresh(contract_id)
        self._watchers.append(watcher)
        for contract_id in list(self._source):
            watcher(contract_id, True)

    def refresh(self, contract_id: str) -> None:
        """The owner changed ``source`` for ``contract_id``: tell the watchers if that changed
        whether it is wanted (a no-op otherwise, so it may be called after every change)."""
        wanted = contract_id in self._source
        if wanted == (contract_id in self._told):
            return
        if wanted:
            self._told.add(contract_id)
        else:
            self._told.discard(contract_id)
        for watcher in self._watchers:
            watcher(contract_id, wanted)
