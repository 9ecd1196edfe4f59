"""The operators' AdminSite: django-unfold's look, staff only, the ops overview as its dashboard."""

from __future__ import annotations

from functools import partial
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.models import Permission
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import NoReverseMatch, path, reverse
from django.utils.functional import lazy
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext_lazy as _
from unfold import admin as unfold_admin
from unfold.sites import UnfoldAdminSite
from unfold.widgets import UnfoldForeignKeyRawIdWidget

from money import format_money


class CrossTenantRawIdWidget(UnfoldForeignKeyRawIdWidget):
    """The raw-id widget names the related row; operators work across tenants by name."""

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            obj = self.rel.model._default_manager.unscoped().using(self.db).get(**{key: value})
        except (ValueError, self.rel.model.DoesNotExist, ValidationError):
            return "", ""
        try:
            url = reverse(f"{self.admin_site.name}:{obj._meta.app_label}_{obj._meta.model_name}"
                          "_change", args=(obj.pk,))
        except NoReverseMatch:
            url = ""
        return Truncator(obj).words(14), url


class _CrossTenantForeignKeys:
    """Foreign keys to tenant-scoped models: choices and lookups say .unscoped() (fail-closed
    managers refuse a bare query, and an operator's form is cross-tenant on purpose)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        manager = db_field.remote_field.model._default_manager
        if hasattr(manager, "unscoped"):
            kwargs.setdefault("queryset", manager.unscoped())
            if db_field.name in self.raw_id_fields and "widget" not in kwargs:
                kwargs["widget"] = CrossTenantRawIdWidget(db_field.remote_field, self.admin_site,
                                                          using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.remote_field.model is Permission:
            field.label_from_instance = permission_label
        return field


class _MoneyColumns:
    """List columns holding integer cents show money ("R$ 19,90"), never the raw integer."""

    def get_list_display(self, request: HttpRequest):
        return [_money_column(self.model, name) if isinstance(name, str) else name
                for name in super().get_list_display(request)]


def _money_column(model, name: str):
    if not name.endswith("_cents"):
        return name
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name

    def show(obj) -> str:
        return format_money(getattr(obj, name), getattr(obj, "currency", "") or "BRL")

    show.__name__ = name  # the column keeps its CSS class (field-amount_cents) and sorting
    show.short_description = lazy(
        lambda: capfirst(str(field.verbose_name)).removesuffix(str(CENTS_SUFFIX)), str)()
    show.admin_order_field = name
    return show


CENTS_SUFFIX = _(" (cents)")

PERMISSION_ACTIONS = {"add": _("Can add"), "change": _("Can change"), "delete": _("Can delete"),
                      "view": _("Can view")}


def permission_label(permission: Permission) -> str:
    """Django names default permissions in English ("Can add coupon"): say it in the language
    of the page, with the model's translated name."""
    model = permission.content_type.model_class()
    action = permission.codename.split("_", 1)[0]
    if model is None or action not in PERMISSION_ACTIONS or \
            permission.codename != f"{action}_{model._meta.model_name}":
        return str(permission)
    return (f"{model._meta.app_config.verbose_name} | {capfirst(model._meta.verbose_name)} | "
            f"{PERMISSION_ACTIONS[action]}")


class ThemedModelAdmin(_MoneyColumns, _CrossTenantForeignKeys, unfold_admin.ModelAdmin):
    pass


class ThemedTabularInline(_CrossTenantForeignKeys, unfold_admin.TabularInline):
    pass


class ThemedStackedInline(_CrossTenantForeignKeys, unfold_admin.StackedInline):
    pass


# Stock Django bases -> unfold's, so every ModelAdmin (and its inlines) gets the theme's widgets
# and templates wherever it is declared, without each app importing the theme.
_UNFOLD_BASES = {
    admin.TabularInline: ThemedTabularInline,
    admin.StackedInline: ThemedStackedInline,
}


def _themed(cls: type, base: type) -> type:
    if issubclass(cls, base):
        return cls
    return type(cls.__name__, (cls, base), {"__module__": cls.__module__,
                                             "__doc__": cls.__doc__})


def _themed_inline(inline: type) -> type:
    for stock, themed in _UNFOLD_BASES.items():
        if issubclass(inline, stock):
            return _themed(inline, themed)
    return inline


class VitrineAdminSite(UnfoldAdminSite):
    site_header = _("Vitrine operations")
    site_title = _("Vitrine admin")
    index_title = _("Operations overview")
    index_template = "admin_panel/index.html"

    def register(self, model_or_iterable, admin_class=None, **options) -> None:
        admin_class = _themed(admin_class or admin.ModelAdmin, ThemedModelAdmin)
        if admin_class.inlines:
            admin_class.inlines = [_themed_inline(inline) for inline in admin_class.inlines]
        super().register(model_or_iterable, admin_class, **options)

    def get_urls(self) -> list:
        from admin_panel import views

        urls = [
            path("ops/", self.admin_view(partial(views.overview, self)), name="ops"),
            path("ops/audit/", self.admin_view(partial(views.audit, self)), name="ops_audit"),
            path("ops/diagnostics/", self.admin_view(partial(views.diagnostics, self)),
                 name="ops_diagnostics"),
            path("ops/business/", self.admin_view(partial(views.business, self)),
                 name="ops_business"),
        ]
        return urls + super().get_urls()

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # unfold's login form posts to its own URL without a hidden "next": carry it in the URL,
        # so operators land on the admin, not on the portal (LOGIN_REDIRECT_URL).
        if request.method == "GET" and REDIRECT_FIELD_NAME not in request.GET:
            index = reverse("admin:index", current_app=self.name)
            return redirect(f"{request.path}?{urlencode({REDIRECT_FIELD_NAME: index})}")
        return super().login(request, extra_context)

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        from admin_panel.selectors import ops_summary

        context = {"ops": ops_summary(), **(extra_context or {})}
        return super().index(request, extra_context=context)


def favicon_url(request: HttpRequest) -> str:
    return static("portal/favicon.svg")


def ops_css_url(request: HttpRequest) -> str:
    return static("admin_panel/ops.css")


def sidebar_navigation(request: HttpRequest) -> list[dict]:
    """The sidebar's first groups (unfold's SIDEBAR.navigation); every app follows below them."""

    def item(title, icon: str, name: str) -> dict:
        return {"title": title, "icon": icon, "link": reverse(name)}

    return [
        {"title": _("Operations"), "separator": False, "items": [
            item(_("Overview"), "dashboard", "admin:index"),
            item(_("Business"), "monitoring", "admin:ops_business"),
            item(_("Diagnostics"), "health_and_safety", "admin:ops_diagnostics"),
            item(_("Audit log"), "history", "admin:ops_audit"),
        ]},
        {"title": _("Platform"), "separator": True, "items": [
            item(_("Instances"), "storefront", "admin:tenants_tenant_changelist"),
            item(_("Orders"), "receipt_long", "admin:sales_order_changelist"),
            item(_("Payments"), "payments", "admin:payments_payment_changelist"),
            item(_("Withdrawals"), "account_balance_wallet", "admin:wallet_withdrawal_changelist"),
            item(_("Bots"), "smart_toy", "admin:runtime_botruntime_changelist"),
        ]},
    ]


site = admin.site
