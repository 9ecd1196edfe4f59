"""Rate-limit headers on every API response, configurable 429s, and ApiError rendering."""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from sandbox.discord.errors import ApiError, json_response

API_PREFIX = re.compile(r"^/api(/v\d+)?")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

BUCKET_LIMIT = 5
RESET_AFTER = 1.0


@dataclass
class LimitRule:
    """Answer `remaining` more requests matching method+route with 429."""

    method: str
    route: str  # template ("/channels/{channel_id}/messages") or concrete path
    remaining: int = 1
    retry_after: float = 0.05
    is_global: bool = False
    hits: int = 0


def strip_prefix(path: str) -> str:
    return API_PREFIX.sub("", path, count=1)


def route_template(request: web.Request) -> str:
    resource = request.match_info.route.resource
    canonical = resource.canonical if resource is not None else request.path
    return strip_prefix(canonical)


def bucket_hash(method: str, template: str) -> str:
    # Stable per route, like Discord's opaque bucket ids.
    return hashlib.sha1(f"{method} {template}".encode()).hexdigest()[:16]


@dataclass
class Outage:
    """Every API request is answered `status` (500s or 429s) until `until` (monotonic)."""

    status: int
    until: float
    retry_after: float = 1.0
    hits: int = 0


@dataclass
class Hold:
    """Requests on `route` wait `seconds` before ("before") or after ("after") being handled:
    a worker can be killed while its call is in flight, before or after Discord acted."""

    method: str
    route: str
    seconds: float
    phase: str = "before"
    remaining: int = 1
    entered: int = 0


class RateLimiter:
    def __init__(self) -> None:
        self.rules: list[LimitRule] = []
        self.outage: Outage | None = None
        self.holds: list[Hold] = []

    def add(self, rule: LimitRule) -> None:
        self.rules.append(rule)

    def reset(self) -> None:
        self.rules.clear()
        self.outage = None
        self.holds.clear()

    def outage_now(self) -> Outage | None:
        if self.outage is not None and time.monotonic() >= self.outage.until:
            self.outage = None
        return self.outage

    def hold_for(self, method: str, template: str, path: str) -> Hold | None:
        for hold in self.holds:
            if hold.method == method and hold.remaining > 0 and hold.route in (template, path):
                hold.remaining -= 1
                hold.entered += 1
                return hold
        return None

    def take(self, method: str, template: str, path: str) -> LimitRule | None:
        for rule in self.rules:
            if rule.method.upper() != method or rule.remaining <= 0:
                continue
            if rule.route in (template, path):
                rule.remaining -= 1
                rule.hits += 1
                return rule
        return None


def _headers(method: str, template: str, remaining: int, reset_after: float) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(BUCKET_LIMIT),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket_hash(method, template),
    }


def too_many_requests(rule: LimitRule, method: str, template: str) -> web.Response:
    headers = _headers(method, template, 0, rule.retry_after)
    headers["Retry-After"] = str(max(1, math.ceil(rule.retry_after)))
    headers["X-RateLimit-Scope"] = "global" if rule.is_global else "user"
    # discord.py reads a 429 without Via as a Cloudflare ban and gives up.
    headers["Via"] = "1.1 google"
    if rule.is_global:
        headers["X-RateLimit-Global"] = "true"
    body = {
        "message": "You are being rate limited.",
        "retry_after": rule.retry_after,
        "global": rule.is_global,
    }
    return json_response(body, status=429, headers=headers)


def outage_response(outage: Outage, method: str, template: str) -> web.Response:
    outage.hits += 1
    if outage.status == 429:
        rule = LimitRule(method, template, retry_after=outage.retry_after, is_global=True)
        return too_many_requests(rule, method, template)
    return json_response({"message": "500: Internal Server Error", "code": 0},
                         status=outage.status)


def make_middleware(limiter: RateLimiter) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        is_api = request.path.startswith("/api")
        template = route_template(request)
        hold = None
        if is_api:
            if (outage := limiter.outage_now()) is not None:
                return outage_response(outage, request.method, template)
            rule = limiter.take(request.method, template, strip_prefix(request.path))
            if rule is not None:
                return too_many_requests(rule, request.method, template)
            hold = limiter.hold_for(request.method, template, strip_prefix(request.path))
        if hold is not None and hold.phase == "before":
            await asyncio.sleep(hold.seconds)
        try:
            response = await handler(request)
        except ApiError as exc:
            response = json_response(exc.body(), status=exc.status)
        if hold is not None and hold.phase == "after":
            await asyncio.sleep(hold.seconds)
        if is_api and not response.prepared:
            headers = _headers(request.method, template, BUCKET_LIMIT - 1, RESET_AFTER)
            response.headers.update(headers)
        return response

    return middleware
