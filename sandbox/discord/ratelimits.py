"""Rate-limit headers on every API response, configurable 429s, and ApiError rendering."""

from __future__ import annotations

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


class RateLimiter:
    def __init__(self) -> None:
        self.rules: list[LimitRule] = []

    def add(self, rule: LimitRule) -> None:
        self.rules.append(rule)

    def reset(self) -> None:
        self.rules.clear()

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


def make_middleware(limiter: RateLimiter) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        is_api = request.path.startswith("/api")
        template = route_template(request)
        if is_api:
            rule = limiter.take(request.method, template, strip_prefix(request.path))
            if rule is not None:
                return too_many_requests(rule, request.method, template)
        try:
            response = await handler(request)
        except ApiError as exc:
            response = json_response(exc.body(), status=exc.status)
        if is_api and not response.prepared:
            headers = _headers(request.method, template, BUCKET_LIMIT - 1, RESET_AFTER)
            response.headers.update(headers)
        return response

    return middleware
