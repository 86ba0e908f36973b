"""RevOps opens the admin by role, without the staff flag; other roles do not."""

import pytest
from django.contrib.auth.models import Group

from tests import factories


@pytest.mark.django_db
def test_revops_role_opens_the_admin_and_a_rep_does_not(client):
    revops = factories.UserFactory(username="ops", is_staff=False)
    revops.groups.add(Group.objects.get_or_create(name="RevOps")[0])
    client.force_login(revops)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/routing/slapolicy/").status_code == 200
    rep = factories.UserFactory(username="rep1")
    rep.groups.add(Group.objects.get_or_create(name="Sales")[0])
    client.force_login(rep)
    assert client.get("/admin/").status_code == 302
