"""Portal routes for wallet; included by portal/urls.py."""

from __future__ import annotations

from django.urls import path

from portal import views_wallet

urlpatterns: list = [
    path("app/t/<slug:slug>/wallet/", views_wallet.wallet, name="wallet"),
    path("app/t/<slug:slug>/wallet/statement/", views_wallet.wallet_statement,
         name="wallet_statement"),
    path("app/t/<slug:slug>/wallet/withdraw/", views_wallet.wallet_withdraw,
         name="wallet_withdraw"),
    path("app/t/<slug:slug>/wallet/withdrawals/<int:pk>/cancel/",
         views_wallet.wallet_withdrawal_cancel, name="wallet_withdrawal_cancel"),
]
