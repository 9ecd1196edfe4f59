"""Async client for the platform's Bot API (/api/bot/v1/), over aiohttp (shipped by discord.py).

Every failure is an `ApiError` carrying the API's `code` and `message` (already in the shop's
language, shown to the buyer as is); `PlatformUnavailable` when the platform cannot be reached
or answers something that is not the documented error shape.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import aiohttp


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: dict | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


class PlatformUnavailable(ApiError):
    def __init__(self, reason: str) -> None:
        super().__init__(0, "platform_unavailable", reason)


def _seg(value: object) -> str:
    return quote(str(value), safe="")


class BotAPI:
    def __init__(self, platform_url: str, token: str, *, timeout: float = 10.0) -> None:
        self.base = f"{platform_url.rstrip('/')}/api/bot/v1/"
        self.platform_url = platform_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def request(self, method: str, path: str, body: Any = None, *,
                      token: str | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token or self.token}",
                   "Accept": "application/json"}
        try:
            async with self._http().request(method, self.base + path, json=body,
                                            headers=headers) as response:
                try:
                    data = await response.json(content_type=None)
                except ValueError:
                    data = None
                if response.status < 300 and isinstance(data, dict):
                    return data
                error = data.get("error") if isinstance(data, dict) else None
                if isinstance(error, dict) and error.get("code"):
                    raise ApiError(response.status, str(error["code"]),
                                   str(error.get("message") or error["code"]),
                                   error.get("details"))
                raise PlatformUnavailable(f"HTTP {response.status}")
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise PlatformUnavailable(type(exc).__name__) from exc

    async def fetch_bytes(self, path_or_url: str, *, limit: int = 2 * 1024 * 1024) -> bytes:
        """A public platform file (the PIX QR PNG); paths are relative to PLATFORM_URL."""
        url = path_or_url if "://" in path_or_url else self.platform_url + path_or_url
        try:
            async with self._http().get(url) as response:
                if response.status != 200:
                    raise PlatformUnavailable(f"HTTP {response.status}")
                data = await response.content.read(limit + 1)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise PlatformUnavailable(type(exc).__name__) from exc
        if len(data) > limit:
            raise PlatformUnavailable("file too large")
        return data

    # -- endpoints -----------------------------------------------------------------------------
    async def catalog(self) -> dict[str, Any]:
        return await self.request("GET", "catalog/")

    async def customer_upsert(self, discord_user_id: int | str, display_name: str) -> dict:
        return await self.request("POST", "customers/", {
            "discord_user_id": str(discord_user_id), "display_name": display_name[:100]})

    def _c(self, user_id: int | str) -> str:
        return f"customers/{_seg(user_id)}/"

    async def customer_thread(self, user_id: int | str, thread_id: int | str) -> dict:
        """Remember the buyer's private cart thread (answered again as `cart_thread_id`)."""
        return await self.request("PUT", self._c(user_id) + "thread/",
                                  {"thread_id": str(thread_id)})

    async def member_joined(self, user_id: int | str) -> dict[str, Any]:
        """A member (re)joined the shop's server: the platform requeues the role deliveries
        that failed because they had left; answers {"requeued": n}."""
        return await self.request("POST", "members/joined/",
                                  {"discord_user_id": str(user_id)})

    async def cart(self, user_id: int | str) -> dict[str, Any]:
        return await self.request("GET", self._c(user_id) + "cart/")

    async def cart_clear(self, user_id: int | str) -> dict[str, Any]:
        return await self.request("DELETE", self._c(user_id) + "cart/")

    async def cart_add(self, user_id: int | str, variant_id: int, quantity: int = 1,
                       answers: dict[str, str] | None = None) -> dict:
        """`answers`: the product's custom fields, by key (asked in a modal)."""
        body: dict[str, Any] = {"variant_id": int(variant_id), "quantity": int(quantity)}
        if answers:
            body["answers"] = answers
        return await self.request("POST", self._c(user_id) + "cart/items/", body)

    async def cart_set(self, user_id: int | str, variant_id: int, quantity: int) -> dict:
        return await self.request("PUT", self._c(user_id) + f"cart/items/{int(variant_id)}/",
                                  {"quantity": int(quantity)})

    async def cart_remove(self, user_id: int | str, variant_id: int) -> dict[str, Any]:
        return await self.request("DELETE", self._c(user_id) + f"cart/items/{int(variant_id)}/")

    async def coupon_apply(self, user_id: int | str, code: str) -> dict[str, Any]:
        return await self.request("PUT", self._c(user_id) + "cart/coupon/", {"code": code})

    async def coupon_remove(self, user_id: int | str) -> dict[str, Any]:
        return await self.request("DELETE", self._c(user_id) + "cart/coupon/")

    async def checkout(self, user_id: int | str, *, expected_total_cents: int | None = None,
                       method: str = "pix") -> dict[str, Any]:
        # The buyer's store credit is spent first (the rest, if any, by `method`).
        body: dict[str, Any] = {"method": method, "use_credit": True}
        if expected_total_cents is not None:
            body["expected_total_cents"] = int(expected_total_cents)
        return await self.request("POST", self._c(user_id) + "checkout/", body)

    async def credit(self, user_id: int | str) -> dict[str, Any]:
        return await self.request("GET", self._c(user_id) + "credit/")

    async def credit_topup(self, user_id: int | str, amount_cents: int) -> dict[str, Any]:
        return await self.request("POST", self._c(user_id) + "credit/topups/",
                                  {"amount_cents": int(amount_cents)})

    async def credit_redeem(self, user_id: int | str, code: str) -> dict[str, Any]:
        return await self.request("POST", self._c(user_id) + "credit/redeem/", {"code": code})

    async def affiliate(self, user_id: int | str) -> dict[str, Any]:
        return await self.request("POST", self._c(user_id) + "affiliate/", {})

    async def affiliate_withdraw(self, user_id: int | str, amount_cents: int, key_type: str,
                                 key: str, request_id: str) -> dict[str, Any]:
        return await self.request("POST", self._c(user_id) + "affiliate/withdrawals/", {
            "amount_cents": int(amount_cents), "pix_key_type": key_type, "pix_key": key,
            "request_id": request_id})

    async def affiliate_to_credit(self, user_id: int | str, amount_cents: int,
                                  request_id: str) -> dict[str, Any]:
        return await self.request("POST", self._c(user_id) + "affiliate/to-credit/", {
            "amount_cents": int(amount_cents), "request_id": request_id})

    async def referral_use(self, user_id: int | str, code: str) -> dict[str, Any]:
        return await self.request("POST", self._c(user_id) + "referral/", {"code": code})

    async def orders(self, user_id: int | str) -> dict[str, Any]:
        return await self.request("GET", self._c(user_id) + "orders/")

    async def services(self, user_id: int | str) -> dict[str, Any]:
        """The buyer's SMM service orders with their progress (/meuspedidos)."""
        return await self.request("GET", self._c(user_id) + "services/")

    async def service_refill(self, user_id: int | str, service_id: int) -> dict[str, Any]:
        return await self.request("POST", self._c(user_id)
                                  + f"services/{int(service_id)}/refill/", {})

    async def order(self, code: str) -> dict[str, Any]:
        return await self.request("GET", f"orders/{_seg(code)}/")

    async def order_pay(self, code: str) -> dict[str, Any]:
        return await self.request("POST", f"orders/{_seg(code)}/payment/", {})

    async def order_pay_simulate(self, code: str) -> dict[str, Any]:
        return await self.request("POST", f"orders/{_seg(code)}/payment/simulate/", {})

    async def post_record(self, product_id: int, channel_id: int | str,
                          message_id: int | str) -> dict[str, Any]:
        return await self.request("PUT", f"products/{int(product_id)}/posts/", {
            "channel_id": str(channel_id), "message_id": str(message_id)})

    async def post_allow(self, product_id: int, staff: dict[str, Any]) -> dict[str, Any]:
        """Staff (/postar, /repostar): the product to post, or forbidden / post_not_allowed."""
        return await self.request("POST", f"products/{int(product_id)}/posts/", staff)

    async def link(self, *, guild_id: int | str, key: str,
                   staff_role_id: int | str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"guild_id": str(guild_id), "key": key}
        if staff_role_id is not None:
            body["staff_role_id"] = str(staff_role_id)
        return await self.request("POST", "link/", body)

    async def order_resend(self, code: str, user_id: int | str) -> dict[str, Any]:
        return await self.request("POST", f"orders/{_seg(code)}/resend/",
                                  {"discord_user_id": str(user_id)})

    async def settings(self) -> dict[str, Any]:
        return await self.request("GET", "settings/")

    async def order_deliver(self, code: str, staff: dict[str, Any]) -> dict[str, Any]:
        return await self.request("POST", f"orders/{_seg(code)}/deliver/", staff)

    async def order_refund(self, code: str, staff: dict[str, Any], reason: str) -> dict:
        return await self.request("POST", f"orders/{_seg(code)}/refund/",
                                  {**staff, "reason": reason[:300]})

    async def posts(self, *, needs_refresh: bool = True) -> dict[str, Any]:
        return await self.request("GET", "posts/?needs_refresh=1" if needs_refresh else "posts/")

    # -- memberships -----------------------------------------------------------------------
    async def membership(self, user_id: int | str) -> dict[str, Any]:
        """{"membership": {...} | None, "tiers": [...]}"""
        return await self.request("GET", self._c(user_id) + "membership/")

    async def membership_subscribe(self, user_id: int | str, tier_id: int,
                                   method: str = "pix") -> dict[str, Any]:
        return await self.request("POST", self._c(user_id) + "membership/",
                                  {"tier_id": int(tier_id), "method": method})

    async def membership_cancel(self, user_id: int | str) -> dict[str, Any]:
        return await self.request("POST", self._c(user_id) + "membership/cancel/", {})

    async def membership_switch(self, user_id: int | str, tier_id: int) -> dict[str, Any]:
        return await self.request("POST", self._c(user_id) + "membership/switch/",
                                  {"tier_id": int(tier_id)})

    async def membership_pay(self, user_id: int | str) -> dict[str, Any]:
        return await self.request("POST", self._c(user_id) + "membership/pay/", {})

    async def kofi_link(self, user_id: int | str, email: str,
                        code: str | None = None) -> dict[str, Any]:
        body = {"email": email[:254], **({"code": code} if code else {})}
        return await self.request("POST", self._c(user_id) + "kofi-link/", body)
    # -- trust ---------------------------------------------------------------------------------
    async def review_submit(self, code: str, user_id: int | str, stars: int,
                            comment: str = "") -> dict[str, Any]:
        return await self.request("POST", "reviews/", {
            "order": code, "discord_user_id": str(user_id), "stars": int(stars),
            "comment": comment[:1000]})

    async def ratings(self) -> dict[str, Any]:
        """{"shop": {average, count} | None, "products": {"<id>": {average, count}}}."""
        return await self.request("GET", "ratings/")

    async def order_approve(self, code: str, staff: dict[str, Any]) -> dict[str, Any]:
        return await self.request("POST", f"orders/{_seg(code)}/approve/", staff)
