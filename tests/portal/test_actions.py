"""Writes through the portal: they work for the right role and refuse everything else unchanged."""

from __future__ import annotations

from django.urls import reverse

from audit.models import AuditEvent
from tenants.models import InstanceToken, Membership, Role, Tenant
from tenants.services import instance_token_authenticate, instance_token_create


def test_new_user_creates_first_instance_and_becomes_owner(outsider, client_for):
    client = client_for(outsider)
    response = client.post(reverse("portal:instance_create"), {"name": "Minha Loja",
                                                                 "locale": "pt-br"})
    tenant = Tenant.objects.get(owner=outsider)
    assert response["Location"] == reverse("portal:dashboard", args=[tenant.slug])
    assert tenant.memberships.get().role == Role.OWNER
    assert AuditEvent.objects.filter(action="tenant.create", tenant=tenant).exists()


def test_instance_create_rejects_bad_input_and_creates_nothing(outsider, client_for):
    client = client_for(outsider)
    for data in ({"name": "", "locale": "pt-br"}, {"name": "x" * 81, "locale": "pt-br"},
                 {"name": "Loja", "locale": "klingon"}, {"name": "   ", "locale": "en"}, {}):
        assert client.post(reverse("portal:instance_create"), data).status_code == 400
    assert not Tenant.objects.filter(owner=outsider).exists()


def test_slugs_stay_unique_for_equal_names(outsider, shop, client_for):
    client_for(outsider).post(reverse("portal:instance_create"),
                              {"name": shop.tenant.name, "locale": "en"})
    created = Tenant.objects.get(owner=outsider)
    assert created.slug != shop.tenant.slug


def test_manager_updates_settings_with_audit(shop, client_for):
    url = reverse("portal:settings", args=[shop.tenant.slug])
    response = client_for(shop.manager).post(url, {"name": "Loja Nova", "locale": "en"})
    assert response.status_code == 302
    shop.tenant.refresh_from_db()
    assert (shop.tenant.name, shop.tenant.locale) == ("Loja Nova", "en")
    event = AuditEvent.objects.get(action="tenant.update")
    assert event.data["before"]["name"] == "Loja Alfa"
    assert event.actor == shop.manager


def test_settings_post_from_outsider_or_viewer_changes_nothing(shop, other_shop, client_for):
    url = reverse("portal:settings", args=[shop.tenant.slug])
    assert client_for(other_shop.owner).post(url, {"name": "Hacked", "locale": "en"}
                                             ).status_code == 404
    assert client_for(shop.viewer).post(url, {"name": "Hacked", "locale": "en"}
                                        ).status_code == 403
    shop.tenant.refresh_from_db()
    assert shop.tenant.name == "Loja Alfa"


def test_owner_creates_token_shown_once(shop, client_for):
    url = reverse("portal:token_create", args=[shop.tenant.slug])
    response = client_for(shop.owner).post(url, {"name": "prod"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    plaintext = response.context["plaintext"]
    assert plaintext.encode() in response.content
    assert instance_token_authenticate(raw=plaintext).tenant == shop.tenant
    settings_page = client_for(shop.owner).get(reverse("portal:settings", args=[shop.tenant.slug]))
    assert plaintext.encode() not in settings_page.content


def test_rotate_from_portal_revokes_old_tokens(shop, client_for):
    _, old = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    url = reverse("portal:token_create", args=[shop.tenant.slug])
    response = client_for(shop.owner).post(url, {"name": "bot", "rotate": "1"})
    assert instance_token_authenticate(raw=old) is None
    assert instance_token_authenticate(raw=response.context["plaintext"]) is not None


def test_token_create_refused_for_manager_and_outsider(shop, other_shop, client_for):
    url = reverse("portal:token_create", args=[shop.tenant.slug])
    assert client_for(shop.manager).post(url, {"name": "x"}).status_code == 403
    assert client_for(other_shop.owner).post(url, {"name": "x"}).status_code == 404
    assert client_for(shop.owner).get(url).status_code == 405
    assert not InstanceToken.objects.for_tenant(shop.tenant).exists()


def test_token_create_with_oversized_name_creates_nothing(shop, client_for):
    url = reverse("portal:token_create", args=[shop.tenant.slug])
    response = client_for(shop.owner).post(url, {"name": "n" * 61})
    assert response.status_code == 302
    assert not InstanceToken.objects.for_tenant(shop.tenant).exists()


def test_revoking_a_foreign_token_is_404_and_changes_nothing(shop, other_shop, client_for):
    foreign, plaintext = instance_token_create(tenant=other_shop.tenant, actor=other_shop.owner)
    url = reverse("portal:token_revoke", args=[shop.tenant.slug, foreign.pk])
    assert client_for(shop.owner).post(url).status_code == 404
    assert instance_token_authenticate(raw=plaintext) is not None


def test_owner_revokes_own_token(shop, client_for):
    token, plaintext = instance_token_create(tenant=shop.tenant, actor=shop.owner)
    url = reverse("portal:token_revoke", args=[shop.tenant.slug, token.pk])
    assert client_for(shop.owner).post(url).status_code == 302
    assert instance_token_authenticate(raw=plaintext) is None


def test_owner_adds_member_by_email(shop, outsider, client_for):
    url = reverse("portal:members", args=[shop.tenant.slug])
    response = client_for(shop.owner).post(url, {"email": outsider.email, "role": "viewer"})
    assert response.status_code == 302
    assert shop.tenant.memberships.get(user=outsider).role == Role.VIEWER


def test_member_add_rejects_bad_input(shop, outsider, client_for):
    url = reverse("portal:members", args=[shop.tenant.slug])
    owner = client_for(shop.owner)
    assert owner.post(url, {"email": "nobody@example.com", "role": "viewer"}).status_code == 400
    assert owner.post(url, {"email": shop.viewer.email, "role": "viewer"}).status_code == 400
    assert owner.post(url, {"email": outsider.email, "role": "owner"}).status_code == 400
    assert owner.post(url, {"email": "not-an-email", "role": "viewer"}).status_code == 400
    assert client_for(shop.manager).post(url, {"email": outsider.email, "role": "viewer"}
                                         ).status_code == 403
    assert shop.tenant.memberships.count() == 3


def test_owner_changes_role_and_removes_member(shop, client_for):
    membership = shop.tenant.memberships.get(user=shop.viewer)
    url = reverse("portal:member_update", args=[shop.tenant.slug, membership.pk])
    client_for(shop.owner).post(url, {"role": "manager"})
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER
    client_for(shop.owner).post(url, {"remove": "1"})
    assert not shop.tenant.memberships.filter(pk=membership.pk).exists()


def test_owner_cannot_be_demoted_or_removed(shop, client_for):
    membership = shop.tenant.memberships.get(user=shop.owner)
    url = reverse("portal:member_update", args=[shop.tenant.slug, membership.pk])
    client_for(shop.owner).post(url, {"role": "viewer"})
    client_for(shop.owner).post(url, {"remove": "1"})
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


def test_member_update_on_foreign_membership_is_404(shop, other_shop, client_for):
    foreign = Membership.objects.for_tenant(other_shop.tenant).get(user=other_shop.viewer)
    url = reverse("portal:member_update", args=[shop.tenant.slug, foreign.pk])
    assert client_for(shop.owner).post(url, {"remove": "1"}).status_code == 404
    assert Membership.objects.for_tenant(other_shop.tenant).filter(pk=foreign.pk).exists()


def test_account_saves_language_preference(shop, client_for):
    client = client_for(shop.owner)
    response = client.post(reverse("portal:account"), {"first_name": "Ana",
                                                       "preferred_language": "en"})
    assert response.status_code == 302
    shop.owner.refresh_from_db()
    assert shop.owner.preferred_language == "en"
    assert client.get(reverse("portal:account"))["Content-Language"] == "en"
    assert client.post(reverse("portal:account"), {"preferred_language": "xx"}).status_code == 400


def test_instance_quota_is_enforced_on_create(shop, client_for):
    # The Free trial allows one instance per account: a second is refused with the reason.
    response = client_for(shop.owner).post(reverse("portal:instance_create"),
                                           {"name": "Segunda Loja", "locale": "pt-br"})
    assert response.status_code == 400
    assert Tenant.objects.filter(owner=shop.owner).count() == 1
    assert response.context["form"].non_field_errors()
