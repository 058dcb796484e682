"""School licences (seed 003): the basic contract of 41, topped up with packs A (5) and B (10).

Pure functions of whole numbers, no database: the calculator of the public application,
and the rule that orders check. Every total 41 + 5k can be bought, and with the fewest
packs k = 2b + a with a in {0, 1}. Personal and shared accounts may be mixed; only their
sum matters here (the total sets the price), so one kind alone may be under 41.
"""

from __future__ import annotations

from dataclasses import dataclass

BASIC = 41  # 基本契約: the minimum, even for a school of 30
PACK_A = 5  # A契約
PACK_B = 10  # B契約
# A school's order beyond this is a case for the secretariat, not for the public form.
MAX_ACCOUNTS = 10_000


@dataclass(frozen=True)
class Packs:
    """One purchase: the basic contract plus ``a`` packs A and ``b`` packs B."""

    a: int = 0
    b: int = 0

    @property
    def total(self) -> int:
        return BASIC + PACK_A * self.a + PACK_B * self.b

    @property
    def count(self) -> int:
        """How many packs on top of the basic contract."""
        return self.a + self.b

    @property
    def label(self) -> str:
        """基本41 + A契約×1 + B契約×5"""
        parts = [f"基本{BASIC}"]
        if self.a:
            parts.append(f"A契約×{self.a}")
        if self.b:
            parts.append(f"B契約×{self.b}")
        return " + ".join(parts)


def reachable(total: int) -> bool:
    """Whether ``total`` licences can be bought (41 + 5k)."""
    return total >= BASIC and (total - BASIC) % PACK_A == 0


def fewest_packs(total: int) -> Packs:
    """The purchase of exactly ``total`` licences with the fewest packs."""
    if not reachable(total):
        raise ValueError(f"{total} is not 41 + 5k")
    steps = (total - BASIC) // PACK_A
    return Packs(a=steps % 2, b=steps // 2)


def at_or_below(wanted: int) -> Packs | None:
    """The largest purchase of at most ``wanted`` licences; None under the basic 41."""
    if wanted < BASIC:
        return None
    return fewest_packs(wanted - (wanted - BASIC) % PACK_A)


def at_or_above(wanted: int) -> Packs:
    """The smallest purchase of at least ``wanted`` licences (the basic 41 at least)."""
    if wanted <= BASIC:
        return Packs()
    return fewest_packs(wanted + (-(wanted - BASIC)) % PACK_A)


@dataclass(frozen=True)
class Quote:
    """What the calculator answers for the wanted personal and shared accounts."""

    personal: int
    shared: int
    order: Packs  # what is ordered: the smallest purchase covering every wanted account
    below: Packs | None  # the nearest smaller purchase, when the wanted number is between two

    @property
    def wanted(self) -> int:
        return self.personal + self.shared

    @property
    def exact(self) -> bool:
        return self.order.total == self.wanted

    @property
    def spare(self) -> int:
        """Licences bought beyond the wanted accounts (issued later, when needed)."""
        return self.order.total - self.wanted


def quote(personal: int, shared: int) -> Quote:
    """The licences for ``personal`` + ``shared`` accounts, and the nearest totals."""
    if personal < 0 or shared < 0 or personal + shared <= 0:
        raise ValueError("at least one account, and no negative counts")
    wanted = personal + shared
    order = at_or_above(wanted)
    below = at_or_below(wanted) if order.total != wanted else None
    return Quote(personal, shared, order, below)
