"""The database keeps account domains unique and lower-case."""

import pytest
from django.db import IntegrityError, transaction

from tests import factories

pytestmark = pytest.mark.django_db


def test_account_domain_is_unique_and_lower_case():
    factories.AccountFactory(domain="acme.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.AccountFactory(domain="acme.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.AccountFactory(domain="Other.example")
