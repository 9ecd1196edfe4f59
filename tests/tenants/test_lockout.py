"""Repeated failed sign-ins lock the account out (django-axes), on the portal and the admin."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse


def fail_portal(client: Client, email: str, times: int) -> None:
    for _ in range(times):
        client.post(reverse("account_login"), {"login": email, "password": "wrong"})


def test_portal_sign_in_locks_after_repeated_failures(shop, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    fail_portal(client, shop.owner.email, 3)
    response = client.post(reverse("account_login"),
                           {"login": shop.owner.email, "password": "pw-aowner"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_other_accounts_are_not_locked_by_someone_elses_failures(shop, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    fail_portal(client, shop.owner.email, 3)
    response = client.post(reverse("account_login"),
                           {"login": shop.viewer.email, "password": "pw-aviewer"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(shop.viewer.pk)


def test_success_before_the_limit_resets_the_count(shop, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    fail_portal(client, shop.owner.email, 2)
    ok = client.post(reverse("account_login"), {"login": shop.owner.email, "password": "pw-aowner"})
    assert ok.status_code == 302
    client.logout()
    fail_portal(client, shop.owner.email, 2)
    again = client.post(reverse("account_login"),
                        {"login": shop.owner.email, "password": "pw-aowner"})
    assert again.status_code == 302


def test_admin_sign_in_locks_too(operator, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    url = reverse("admin:login")
    for _ in range(2):
        client.post(url, {"username": "operator", "password": "wrong"})
    response = client.post(url, {"username": "operator", "password": "pw-operator"})
    assert response.status_code == 429
