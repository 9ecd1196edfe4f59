"""Authentication, tenant scoping and the error format shared by every Bot API view.

Like PostHog's `routing.py`: one base owns the tenant, so no view can query another shop.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sales.api.serializers import StaffIn
from sales.errors import ERRORS, SalesError
from sales.models import Customer
from sales.services.carts import MAX_QUANTITY
from tenants.models import Tenant
from tenants.services import instance_token_authenticate

MAX_BODY_BYTES = 64 * 1024
DISCORD_ID = re.compile(r"[0-9]{1,20}")  # fullmatch: ASCII digits, no trailing newline
# Serializer fields whose refusal has its own machine code.
FIELD_CODES = {"quantity": "quantity_invalid"}


class BotAPIError(Exception):
    """A refusal of the Bot API itself (not a sales rule): its own code, status and message."""

    def __init__(self, code: str, status_code: int, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.status = status_code
        self.text = message


class BotPrincipal:
    """request.user for a bot: the tenant it sells for, never a person."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant


class InstanceTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer vtr_<lookup>_<secret>`; revoked tokens fail at once."""

    def authenticate(self, request: Request) -> tuple[BotPrincipal, Any] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            return None
        token = instance_token_authenticate(raw=raw)
        if token is None:
            raise exceptions.AuthenticationFailed("invalid token")
        return BotPrincipal(token.tenant), token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="bot"'


class InstanceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "sales.api.base.InstanceTokenAuthentication"
    name = "InstanceToken"

    def get_security_definition(self, auto_schema: Any) -> dict:
        return {"type": "http", "scheme": "bearer",
                "description": "Instance token from the portal's Settings page."}


class HasInstanceToken(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, BotPrincipal)


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return {"error": body}


def boundary_error(request: HttpRequest, status_code: int, code: str,
                   message: str) -> JsonResponse:
    """config.boundaries' refusals (NUL in the URL, 413 bodies) in the Bot API's shape."""
    text = SalesError(code).message() if code in ERRORS else message
    return JsonResponse(error_body(code, text), status=status_code)


def validated(serializer_class: type, request: Request) -> dict:
    """The request body through `serializer_class`; a refusal is the Bot API's 400 shape."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class BotAPIView(APIView):
    authentication_classes = [InstanceTokenAuthentication]
    permission_classes = [HasInstanceToken]
    # HTTP methods only the shop's staff may call: the body carries the staff claim
    # (serializers.StaffIn) and the platform checks it before the view runs.
    staff_methods: frozenset[str] = frozenset()

    @property
    def tenant(self) -> Tenant:
        return self.request.auth.tenant

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not (length.isascii() and length.isdigit()) or int(length) > MAX_BODY_BYTES \
                or len(request._request.body) > MAX_BODY_BYTES:  # chunked bodies too
            raise SalesError("payload_too_large")
        super().initial(request, *args, **kwargs)
        # Payloads (status names) and errors speak the shop's language.
        self._language = translation.override(self.tenant.locale)
        self._language.__enter__()
        if not self.tenant.is_writable:
            raise SalesError("tenant_suspended")
        if request.method in self.staff_methods:
            claim = StaffIn(data=request.data)
            claim.is_valid(raise_exception=True)
            self.require_staff(claim.validated_data)

    def finalize_response(self, request: Request, response: Response, *args: Any,
                          **kwargs: Any) -> Response:
        language = getattr(self, "_language", None)
        if language is not None:
            self._language = None
            language.__exit__(None, None, None)
        return super().finalize_response(request, response, *args, **kwargs)

    def customer(self, discord_user_id: str) -> Customer:
        customer = None
        if DISCORD_ID.fullmatch(discord_user_id):
            customer = (Customer.objects.for_tenant(self.tenant).select_related("tenant")
                        .filter(discord_user_id=discord_user_id).first())
        if customer is None:
            raise SalesError("customer_not_found")
        return customer

    def require_staff(self, data: dict) -> None:
        """Staff-only endpoints: the bot says who clicked (Discord user id, role ids, whether
        Discord gave them Manage Server); the platform checks it against this shop only."""
        guild_id = data.get("guild_id") or ""
        if self.tenant.discord_guild_id and guild_id != self.tenant.discord_guild_id:
            raise BotAPIError("forbidden", status.HTTP_403_FORBIDDEN,
                              gettext("This Discord server is not linked to this shop."))
        role = self.tenant.staff_role_id
        if data.get("manage_guild") or (role and role in data.get("role_ids", [])):
            return
        raise BotAPIError("forbidden", status.HTTP_403_FORBIDDEN,
                          gettext("Only the shop's staff can do this."))

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, BotAPIError):
            return Response(error_body(exc.code, exc.text), status=exc.status)
        error = _as_sales_error(exc)
        if error is None:
            return super().handle_exception(exc)
        auth = getattr(self.request, "auth", None)
        locale = auth.tenant.locale if auth is not None else settings.LANGUAGE_CODE
        with translation.override(locale):
            body = error_body(error.code, error.message(), error.extra)
        response = Response(body, status=error.status)
        if error.status == status.HTTP_401_UNAUTHORIZED:
            response["WWW-Authenticate"] = 'Bearer realm="bot"'
        return response


def _as_sales_error(exc: Exception) -> SalesError | None:
    if isinstance(exc, SalesError):
        return exc
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return SalesError("unauthorized")
    if isinstance(exc, Http404 | exceptions.NotFound):
        return SalesError("not_found")
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {}
        for field, code in FIELD_CODES.items():
            if field in fields:
                return SalesError(code, max=MAX_QUANTITY)
        return SalesError("invalid_request", extra={"fields": fields})
    if isinstance(exc, exceptions.ParseError | exceptions.UnsupportedMediaType):
        return SalesError("invalid_request")
    if isinstance(exc, exceptions.MethodNotAllowed):
        return SalesError("method_not_allowed")
    return None
