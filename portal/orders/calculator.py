"""What the licence calculator of the public application shows, from the typed values.

Used by the whole page (without JavaScript: the 「計算する」 button posts the form back) and
by the htmx fragment (as the counts are typed); only the counts and the term are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from portal import deadlines
from portal.models import PriceSetting
from portal.models.orders import TO_FISCAL_END, TWELVE_MONTHS
from portal.orders import applications, licences, pricing


@dataclass(frozen=True)
class Term:
    starts_on: date
    ends_on: date

    @property
    def months(self) -> int:
        return deadlines.months_between(self.starts_on, self.ends_on)


@dataclass(frozen=True)
class Estimate:
    """The calculator's answer: the purchases, their prices and the first term."""

    quote: licences.Quote | None = None
    errors: dict[str, str] = field(default_factory=dict)
    setting: PriceSetting | None = None
    terms: dict[str, Term] = field(default_factory=dict)  # per first-term choice
    first_term: str | None = None

    def price(self, packs: licences.Packs | None) -> int | None:
        return pricing.price_of(packs, self.setting) if packs else None

    @property
    def term(self) -> Term | None:
        return self.terms.get(self.first_term or "")


def estimate(values: Mapping[str, str], today: date) -> Estimate:
    """The calculator for the typed counts and term; errors for the counts only."""
    personal, shared, errors = applications.read_counts(values)
    starts_on, first_term, _ = applications.read_term(values, today)
    terms = {}
    if starts_on is not None:
        terms = {choice: Term(starts_on, applications.term_end(starts_on, choice))
                 for choice in (TWELVE_MONTHS, TO_FISCAL_END)}
    blank = not (values.get("personal") or values.get("shared"))
    quote = None if errors or blank else licences.quote(personal, shared)
    return Estimate(quote=quote, errors={} if blank else errors,
                    setting=pricing.in_effect(today), terms=terms, first_term=first_term)
