from __future__ import annotations

from django.urls import path

from portal import (
    urls_billing,
    urls_catalog,
    urls_credit,
    urls_developer,
    urls_disputes,
    urls_growth,
    urls_memberships,
    urls_payments,
    urls_runtime,
    urls_sales,
    urls_smm,
    urls_trust,
    urls_wallet,
    views,
)

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("app/instances/", views.instance_list, name="instances"),
    path("app/instances/new/", views.instance_create, name="instance_create"),
    path("app/account/", views.account, name="account"),
    path("app/t/<slug:slug>/", views.dashboard, name="dashboard"),
    path("app/t/<slug:slug>/settings/", views.tenant_settings, name="settings"),
    path("app/t/<slug:slug>/settings/tokens/", views.token_create, name="token_create"),
    path("app/t/<slug:slug>/settings/tokens/<int:pk>/revoke/", views.token_revoke,
         name="token_revoke"),
    path("app/t/<slug:slug>/members/", views.members, name="members"),
    path("app/t/<slug:slug>/members/<int:pk>/", views.member_update, name="member_update"),
]

# Each area keeps its routes in its own module (names stay in the "portal" namespace).
urlpatterns += urls_catalog.urlpatterns + urls_sales.urlpatterns + urls_wallet.urlpatterns
urlpatterns += urls_payments.urlpatterns + urls_billing.urlpatterns + urls_runtime.urlpatterns
urlpatterns += urls_credit.urlpatterns
urlpatterns += urls_memberships.urlpatterns
urlpatterns += urls_disputes.urlpatterns
urlpatterns += urls_smm.urlpatterns + urls_developer.urlpatterns
urlpatterns += urls_trust.urlpatterns
urlpatterns += urls_growth.urlpatterns
